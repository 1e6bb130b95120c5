/**
 * The quiz's texts laid out as wrapped lines: a question's header words, the grade after an
 * answer, and the results. Pure (no Ink), so the screens only place them and tests read them.
 */
import { formatClock } from "../cli/duration";
import type {
  AnsweredQuestion,
  QuestionKind,
  Quiz,
  QuizAnswer,
  QuizQuestion,
  QuizTopic,
} from "../quiz/types";
import { unreachable } from "../sim/unreachable";
import type { Lang } from "./i18n/locale";
import { type MessageKey, t } from "./i18n/messages";
import type { QuizEnd } from "./quiz-model";
import { scoreOf } from "./quiz-model";
import type { Symbols } from "./symbols";
import { padTo, widthOf } from "./text";
import type { Line } from "./widgets/scroll-view";
import { wrapText } from "./wrap";

/**
 * `text` wrapped to `width`, each line keeping its leading spaces (on its wrapped rows too): quiz
 * prompts and explanations indent the cluster's details and the output of commands under the
 * line that introduces them.
 */
export function wrapIndented(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.replace(/\s+$/, "").split("\n")) {
    if (line.trim() === "") {
      out.push("");
      continue;
    }
    const indent = (/^ */.exec(line)?.[0] ?? "").slice(0, Math.floor(width / 2));
    for (const row of wrapText(line.trim(), Math.max(10, width - indent.length)))
      out.push(indent + row);
  }
  return out;
}

export function kindLabel(lang: Lang, kind: QuestionKind): string {
  switch (kind) {
    case "where-dropped":
      return t(lang, "quizKind_whereDropped");
    case "missing-entry":
      return t(lang, "quizKind_missingEntry");
    case "fix-it":
      return t(lang, "quizKind_fixIt");
    case "proxy-mode":
      return t(lang, "quizKind_proxyMode");
    default:
      return unreachable(kind);
  }
}

/** CNI plugins by their own names; Services in words. */
export function topicLabel(lang: Lang, topic: QuizTopic): string {
  return topic === "services" ? t(lang, "quizTopic_services") : topic;
}

/** The candidate's answer in words: the choice's label, or the commands typed. */
export function answerText(lang: Lang, question: QuizQuestion, answer: QuizAnswer): string {
  switch (answer.kind) {
    case "choice":
      return question.choices.find((c) => c.id === answer.choice)?.label[lang] ?? answer.choice;
    case "commands":
      return answer.lines.length === 0 ? t(lang, "quizNoCommands") : answer.lines.join("; ");
    default:
      return unreachable(answer);
  }
}

/** "✓ Correct", "✗ Wrong" or "- Unanswered", with its colour: a word always beside the symbol. */
export function verdictLine(
  lang: Lang,
  symbols: Symbols,
  record: AnsweredQuestion,
): { text: string; color: string } {
  if (record.answer === null)
    return { text: `${symbols.bullet} ${t(lang, "quizUnanswered")}`, color: "yellow" };
  return record.grade.correct
    ? { text: `${symbols.pass} ${t(lang, "quizCorrect")}`, color: "green" }
    : { text: `${symbols.fail} ${t(lang, "quizWrong")}`, color: "red" };
}

function labelled(label: string, text: string, width: number, line?: Partial<Line>): Line[] {
  return wrapIndented(`${label}: ${text}`, width).map((l) => ({ ...line, text: l }));
}

/**
 * The grade of one question: verdict, the answer given, the expected one and why. `next` (what
 * Enter does) goes before the explanation, which can be long, so it is seen without scrolling.
 */
export function gradeLines(
  lang: Lang,
  symbols: Symbols,
  question: QuizQuestion,
  record: AnsweredQuestion,
  width: number,
  next?: string,
): Line[] {
  const verdict = verdictLine(lang, symbols, record);
  const lines: Line[] = [{ text: verdict.text, bold: true, color: verdict.color }];
  if (record.answer !== null)
    lines.push(
      ...labelled(t(lang, "quizYourAnswer"), answerText(lang, question, record.answer), width),
    );
  lines.push(
    ...labelled(t(lang, "quizExpected"), record.grade.expected[lang], width, { bold: true }),
  );
  if (next !== undefined) lines.push({ text: next, dim: true }, { text: "" });
  lines.push(...labelled(t(lang, "quizWhy"), record.grade.explanation[lang], width));
  return lines;
}

const END_MESSAGE: Record<QuizEnd, MessageKey> = {
  completed: "quizEndCompleted",
  finished: "quizEndFinished",
  timeout: "quizEndTimeout",
  quit: "quizEndQuit",
};

export interface ResultsInput {
  readonly quiz: Quiz;
  readonly answers: readonly AnsweredQuestion[];
  readonly exam: boolean;
  readonly end: QuizEnd;
  /** Seconds from the start to the end of the sitting. */
  readonly usedS: number;
  readonly timeLimitS?: number;
  readonly name?: string;
}

/**
 * The results: how it ended, the score, the score by topic, every question with its verdict and
 * time, and in exam mode (where nothing was shown during the sitting) each answer's grade in full.
 */
export function resultsLines(
  lang: Lang,
  symbols: Symbols,
  input: ResultsInput,
  width: number,
): Line[] {
  const { quiz, answers } = input;
  const score = scoreOf(quiz, answers);
  const percent = (s: { correct: number; total: number }) =>
    s.total === 0 ? 0 : Math.round((100 * s.correct) / s.total);
  const lines: Line[] = [];
  if (input.name !== undefined)
    lines.push({ text: t(lang, "quizCandidate", { name: input.name }) });
  lines.push({
    text: t(lang, "quizScore", { ...score.overall, percent: percent(score.overall) }),
    bold: true,
  });
  const used = formatClock(input.usedS);
  lines.push({
    text:
      input.timeLimitS !== undefined
        ? t(lang, "quizTimeUsedOf", { time: used, limit: formatClock(input.timeLimitS) })
        : t(lang, "quizTimeUsed", { time: used }),
  });
  for (const text of wrapText(t(lang, END_MESSAGE[input.end]), width))
    lines.push({ text, dim: true });

  lines.push({ text: "" }, { text: t(lang, "quizByTopic"), bold: true });
  const topicWidth =
    Math.max(...score.byTopic.map((s) => widthOf(topicLabel(lang, s.topic))), 8) + 2;
  for (const s of score.byTopic)
    lines.push({
      text: `  ${padTo(topicLabel(lang, s.topic), topicWidth)}${s.correct}/${s.total}  ${percent(s)}%`,
    });

  lines.push({ text: "" }, { text: t(lang, "quizQuestions"), bold: true });
  quiz.questions.forEach((q, i) => {
    const record = answers[i];
    if (!record) return;
    const verdict = verdictLine(lang, symbols, record);
    const head = `${padTo(`${i + 1}.`, 4)}${padTo(verdict.text, 16)}${padTo(formatClock(record.ms / 1000), 7)}`;
    const about = `${topicLabel(lang, q.topic)} ${symbols.bullet} ${kindLabel(lang, q.kind)}`;
    lines.push({ text: padTo(`${head}${about}`, width), color: verdict.color });
  });

  if (input.exam) {
    lines.push({ text: "" }, { text: t(lang, "quizExplanations"), bold: true });
    quiz.questions.forEach((q, i) => {
      const record = answers[i];
      if (!record) return;
      lines.push({ text: "" });
      lines.push(
        ...wrapIndented(`${i + 1}. ${q.prompt[lang]}`, width).map((text) => ({ text, dim: true })),
      );
      lines.push(...gradeLines(lang, symbols, q, record, width));
    });
  }
  return lines;
}
