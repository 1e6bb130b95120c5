/**
 * The report of a sitting: Markdown for people, JSON for tools (the class `report` command reads
 * it; docs/quiz.md documents the shape). Both are written from the record: the grades in it were
 * made by the simulator when the candidate answered.
 */
import type { Lang } from "../lang";
import type { QuizRecord, QuizTopic } from "./types";

/** One question in the JSON report. */
export interface QuizReportQuestion {
  readonly id: string;
  readonly kind: string;
  readonly topic: string;
  readonly prompt: string;
  /** A choice id, the lines typed in the fix-it shell, or null when unanswered. */
  readonly answer: string | readonly string[] | null;
  readonly correct: boolean;
  readonly expected: string;
  readonly explanation: string;
  readonly ms: number;
}

/** The `format` and `formatVersion` of the JSON report. */
export const QUIZ_REPORT_FORMAT = "podnet-learn-quiz";
export const QUIZ_REPORT_VERSION = 1;

/** The JSON report, format `podnet-learn-quiz` version 1. */
export interface QuizReportJson {
  readonly format: typeof QUIZ_REPORT_FORMAT;
  readonly formatVersion: typeof QUIZ_REPORT_VERSION;
  readonly name: string | null;
  readonly startedAt: string;
  readonly seed: number;
  readonly count: number;
  readonly topics: readonly string[];
  readonly difficulty: string;
  readonly exam: boolean;
  readonly timeLimitS: number | null;
  readonly score: { readonly correct: number; readonly total: number };
  readonly byTopic: Readonly<Record<string, { readonly correct: number; readonly total: number }>>;
  readonly questions: readonly QuizReportQuestion[];
}

/**
 * Right answers out of all questions, overall and by topic (in the quiz's topic order; a topic a
 * short quiz never reached is left out).
 */
export function scoreOf(record: QuizRecord): {
  correct: number;
  total: number;
  byTopic: Record<string, { correct: number; total: number }>;
} {
  const byTopic: Record<string, { correct: number; total: number }> = {};
  for (const topic of record.quiz.settings.topics)
    if (record.quiz.questions.some((q) => q.topic === topic))
      byTopic[topic] = { correct: 0, total: 0 };
  let correct = 0;
  for (const question of record.quiz.questions) {
    const answered = record.answers.find((a) => a.questionId === question.id);
    const right = answered?.grade.correct === true;
    const t = byTopic[question.topic as QuizTopic] ?? { correct: 0, total: 0 };
    byTopic[question.topic] = { correct: t.correct + (right ? 1 : 0), total: t.total + 1 };
    if (right) correct++;
  }
  return { correct, total: record.quiz.questions.length, byTopic };
}

export function reportJson(record: QuizRecord, lang: Lang): QuizReportJson {
  const { settings } = record.quiz;
  const score = scoreOf(record);
  return {
    format: QUIZ_REPORT_FORMAT,
    formatVersion: QUIZ_REPORT_VERSION,
    name: record.name ?? null,
    startedAt: record.startedAt,
    seed: settings.seed,
    count: settings.count,
    topics: [...settings.topics],
    difficulty: settings.difficulty,
    exam: record.exam,
    timeLimitS: record.timeLimitS ?? null,
    score: { correct: score.correct, total: score.total },
    byTopic: score.byTopic,
    questions: record.quiz.questions.map((q) => {
      const a = record.answers.find((x) => x.questionId === q.id);
      const answer = a?.answer ?? null;
      return {
        id: q.id,
        kind: q.kind,
        topic: q.topic,
        prompt: q.prompt[lang],
        answer:
          answer === null ? null : answer.kind === "choice" ? answer.choice : [...answer.lines],
        correct: a?.grade.correct === true,
        expected: a?.grade.expected[lang] ?? "",
        explanation: a?.grade.explanation[lang] ?? "",
        ms: a?.ms ?? 0,
      };
    }),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export function reportMarkdown(record: QuizRecord, lang: Lang): string {
  const json = reportJson(record, lang);
  const en = lang === "en";
  const out: string[] = [];
  out.push(`# ${en ? "podnet-learn quiz report" : "podnet-learn 퀴즈 결과"}`, "");
  const pct =
    json.score.total === 0 ? 0 : Math.round((100 * json.score.correct) / json.score.total);
  out.push(
    `- ${en ? "Candidate" : "응시자"}: ${json.name ?? (en ? "(not given)" : "(없음)")}`,
    `- ${en ? "Started" : "시작"}: ${json.startedAt}`,
    `- ${en ? "Seed" : "시드"}: ${json.seed} (${en ? "difficulty" : "난이도"} ${json.difficulty}; ${en ? "topics" : "주제"} ${json.topics.join(", ")})`,
    `- ${en ? "Mode" : "방식"}: ${json.exam ? (en ? "exam" : "시험") : en ? "practice" : "연습"}${json.timeLimitS === null ? "" : `, ${en ? "time limit" : "제한 시간"} ${json.timeLimitS} s`}`,
    `- ${en ? "Score" : "점수"}: **${json.score.correct}/${json.score.total}** (${pct}%)`,
    "",
    `| ${en ? "topic" : "주제"} | ${en ? "right" : "정답"} | ${en ? "questions" : "문항"} |`,
    "| --- | --- | --- |",
    ...Object.entries(json.byTopic).map(([t, s]) => `| ${t} | ${s.correct} | ${s.total} |`),
    "",
  );
  for (const q of json.questions) {
    const mark = q.correct ? (en ? "✓ right" : "✓ 정답") : en ? "✗ wrong" : "✗ 오답";
    const given =
      q.answer === null
        ? en
          ? "(no answer)"
          : "(답 없음)"
        : typeof q.answer === "string"
          ? q.answer
          : q.answer.join("; ");
    out.push(
      `## ${q.id} (${q.kind}, ${q.topic}): ${mark}, ${seconds(q.ms)}`,
      "",
      quote(q.prompt),
      "",
      ...choiceLines(record, q.id, lang),
      `${en ? "Answer given" : "낸 답"}: \`${given}\``,
      "",
      `${en ? "Expected" : "정답"}:`,
      "",
      quote(q.expected),
      "",
      `${en ? "Why" : "이유"}:`,
      "",
      quote(q.explanation),
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function choiceLines(record: QuizRecord, id: string, lang: Lang): string[] {
  const q = record.quiz.questions.find((x) => x.id === id);
  if (!q || q.choices.length === 0) return [];
  return [...q.choices.map((c) => `- ${c.id}) ${c.label[lang]}`), ""];
}
