/**
 * `podnet-learn quiz`: settings from the command line, a seed drawn when none is given (and
 * shown, so a cohort can be handed the same one), then either the questions printed for paper
 * (`--print`, with `--answers` the key) or the interactive quiz in the terminal, after which the
 * score is printed and the report written.
 */
import { randomInt } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Lang } from "../lang";
import { generateQuiz } from "../quiz/generate";
import { printQuiz } from "../quiz/print";
import { reportJson, reportMarkdown, scoreOf } from "../quiz/report";
import {
  DEFAULT_COUNT,
  DEFAULT_DIFFICULTY,
  type Parsed,
  parseCount,
  parseDifficulty,
  parseTopics,
} from "../quiz/settings";
import { QUIZ_TOPICS, type QuizRecord, type QuizSettings } from "../quiz/types";
import { integerOption, type ParsedArgs, parseCommandLine, stringOption } from "./args";
import { MAX_SEED, quizCommand } from "./commands";
import { formatClock, parseDuration } from "./duration";
import { InputError, UsageError } from "./errors";
import { formatHelp } from "./help";
import type { Io } from "./io";
import { languageOf } from "./lesson-pack";

const NAME = quizCommand.name;

/** In exam mode without --time-limit: two minutes a question. */
const EXAM_SECONDS_PER_QUESTION = 120;

function settled<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new UsageError(parsed.message, NAME);
  return parsed.value;
}

/** The settings the command line gives; the seed is drawn when not given. */
export function quizSettings(
  parsed: ParsedArgs,
  drawSeed: () => number,
): QuizSettings & {
  readonly seedDrawn: boolean;
} {
  const seedText = stringOption(parsed, "seed");
  const countText = stringOption(parsed, "count");
  const topicsText = stringOption(parsed, "topics");
  const difficultyText = stringOption(parsed, "difficulty");
  return {
    seed: seedText === undefined ? drawSeed() : integerOption(seedText, "seed", 0, MAX_SEED, NAME),
    seedDrawn: seedText === undefined,
    count: countText === undefined ? DEFAULT_COUNT : settled(parseCount(countText)),
    topics: topicsText === undefined ? [...QUIZ_TOPICS] : settled(parseTopics(topicsText)),
    difficulty:
      difficultyText === undefined ? DEFAULT_DIFFICULTY : settled(parseDifficulty(difficultyText)),
  };
}

/** `results/alice` or `results/alice.json` → `results/alice.md` and `results/alice.json`. */
export function reportPaths(file: string): { md: string; json: string } {
  const base = file.replace(/\.(md|json)$/i, "");
  return { md: `${base}.md`, json: `${base}.json` };
}

/** Writes both reports; an input error that says which file could not be written. */
export function writeReport(
  record: QuizRecord,
  file: string,
  lang: Lang,
): { md: string; json: string } {
  const paths = reportPaths(file);
  for (const [path, text] of [
    [paths.md, reportMarkdown(record, lang)],
    [paths.json, `${JSON.stringify(reportJson(record, lang), null, 2)}\n`],
  ] as const) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new InputError(`cannot write the report ${path}: ${why}`, NAME);
    }
  }
  return paths;
}

/** The score in a few lines: overall, then by topic. */
export function scoreText(record: QuizRecord, lang: Lang): string {
  const score = scoreOf(record);
  const en = lang === "en";
  const pct = score.total === 0 ? 0 : Math.round((100 * score.correct) / score.total);
  const lines = [
    `${en ? "Score" : "점수"}: ${score.correct}/${score.total} (${pct}%)`,
    ...Object.entries(score.byTopic).map(([t, s]) => `  ${t}: ${s.correct}/${s.total}`),
  ];
  return `${lines.join("\n")}\n`;
}

export async function runQuiz(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(args, quizCommand.options, NAME);
  if (parsed.values.has("help")) {
    io.out(formatHelp(quizCommand));
    return 0;
  }
  const stray = [...parsed.positionals, ...parsed.rest][0];
  if (stray !== undefined)
    throw new UsageError(`unexpected argument "${stray}" (quiz takes only options)`, NAME);
  const print = parsed.values.has("print");
  const exam = parsed.values.has("exam");
  if (parsed.values.has("answers") && !print)
    throw new UsageError("--answers goes with --print (the answer key of the printed quiz)", NAME);
  if (print)
    for (const option of ["report", "name", "time-limit", "exam"])
      if (parsed.values.has(option))
        throw new UsageError(
          `--${option} is for a quiz taken in the terminal; --print only prints the questions`,
          NAME,
        );
  const limitText = stringOption(parsed, "time-limit");
  let timeLimitS: number | undefined;
  if (limitText !== undefined) {
    const limit = parseDuration(limitText);
    if (!limit.ok) throw new UsageError(limit.message, NAME);
    timeLimitS = limit.seconds;
  }
  const lang = languageOf(parsed, NAME);
  const settings = quizSettings(parsed, () => randomInt(0, MAX_SEED));
  if (exam && timeLimitS === undefined) timeLimitS = settings.count * EXAM_SECONDS_PER_QUESTION;
  const { seedDrawn, ...quizSettingsOnly } = settings;

  if (print) {
    io.out(printQuiz(generateQuiz(quizSettingsOnly), lang, parsed.values.has("answers")));
    return 0;
  }
  if (!(process.stdin.isTTY && process.stdout.isTTY)) {
    io.err(
      `podnet-learn quiz: the quiz needs an interactive terminal, and stdin or stdout is not one.\n` +
        `To print the questions instead (for paper or slides): podnet-learn quiz --print --seed ${settings.seed} [--answers]\n`,
    );
    return 2;
  }
  const report = stringOption(parsed, "report");
  const name = stringOption(parsed, "name");
  // Shown before the quiz starts, so an instructor can hand the same seed to the whole cohort.
  io.err(
    lang === "en"
      ? `Seed ${settings.seed}${seedDrawn ? " (drawn)" : ""}: podnet-learn quiz --seed ${settings.seed} gives these questions again.${timeLimitS === undefined ? "" : ` Time limit ${formatClock(timeLimitS)}.`}\n`
      : `시드 ${settings.seed}${seedDrawn ? " (무작위)" : ""}: podnet-learn quiz --seed ${settings.seed}로 같은 문제를 다시 받습니다.${timeLimitS === undefined ? "" : ` 제한 시간 ${formatClock(timeLimitS)}.`}\n`,
  );
  const quiz = generateQuiz(quizSettingsOnly);
  const { runQuizTui } = await import("../ui/quiz-run");
  const record = await runQuizTui(quiz, {
    ...(parsed.values.has("lang") ? { lang } : {}),
    ascii: parsed.values.has("ascii"),
    exam,
    ...(timeLimitS === undefined ? {} : { timeLimitS }),
    ...(name === undefined ? {} : { name }),
  });
  io.out(scoreText(record, lang));
  if (report !== undefined) {
    const paths = writeReport(record, report, lang);
    io.out(`${lang === "en" ? "Report" : "결과"}: ${paths.md}, ${paths.json}\n`);
  }
  return 0;
}
