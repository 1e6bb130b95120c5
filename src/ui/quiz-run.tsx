/**
 * Runs one quiz sitting in the terminal (`podnet-learn quiz`): draws the quiz on the alternate
 * screen until the candidate closes the results or quits, and resolves with the sitting's record
 * for the report. However it ends (the results closed, q, Ctrl+C, the time limit), the record
 * holds every question: those not answered are recorded unanswered. Loaded only when the quiz runs.
 *
 * The wall clock is read here and nowhere below: the screen gets `now`, the model gets values.
 */
import { render } from "ink";
import { gradeAnswer } from "../quiz/grade";
import { quizShell } from "../quiz/shell";
import type { Quiz, QuizRecord } from "../quiz/types";
import { pickLang } from "./i18n/locale";
import { type QuizRules, type QuizState, quizRecord, quizReducer, startQuiz } from "./quiz-model";
import { QuizApp } from "./screens/quiz-app";

export interface QuizTuiOptions {
  /** `--lang`, when given (else the locale). */
  readonly lang?: string;
  readonly ascii: boolean;
  /** Exam mode: no grade or explanation until the results. */
  readonly exam: boolean;
  /** The time limit in seconds, when there is one. */
  readonly timeLimitS?: number;
  /** The candidate's name (`--name`), shown with the results and kept in the record. */
  readonly name?: string;
}

export async function runQuizTui(quiz: Quiz, options: QuizTuiOptions): Promise<QuizRecord> {
  const lang = pickLang(options.lang, undefined, process.env);
  const rules: QuizRules = {
    quiz,
    grade: gradeAnswer,
    exam: options.exam,
    ...(options.timeLimitS !== undefined ? { timeLimitS: options.timeLimitS } : {}),
  };
  const startMs = Date.now();
  let latest: QuizState = startQuiz(rules, startMs);

  // The alternate screen keeps the candidate's scrollback as it was; Ink has no option for it.
  process.stdout.write("\x1b[?1049h");
  try {
    const app = render(
      <QuizApp
        rules={rules}
        lang={lang}
        ascii={options.ascii}
        newShell={quizShell}
        now={Date.now}
        resume={latest}
        {...(options.name !== undefined ? { name: options.name } : {})}
        onState={(state) => {
          latest = state;
        }}
        onDone={(state) => {
          latest = state;
          app.unmount();
        }}
      />,
      // Ctrl+C ends the app as q does; the record below is written from the latest state.
      { exitOnCtrlC: true, patchConsole: false },
    );
    await app.waitUntilExit();
  } finally {
    process.stdout.write("\x1b[?1049l");
  }
  // Ended by Ctrl+C (or q on the too-small message): the open questions become unanswered.
  const ended =
    latest.phase.kind === "results"
      ? latest
      : quizReducer(rules, latest, { type: "finish", end: "quit", now: Date.now() });
  return quizRecord(rules, ended, {
    startedAt: new Date(startMs).toISOString(),
    ...(options.name !== undefined ? { name: options.name } : {}),
  });
}
