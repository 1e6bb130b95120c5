/**
 * The quiz's settings as the command line gives them: `--count`, `--topics`, `--difficulty`.
 * Each parser returns the value or a message that says what is accepted (and, for a misspelt
 * topic, the nearest one), for the CLI to report as a usage error.
 */
import { suggest } from "../cli/args";
import { DIFFICULTIES, type Difficulty, MAX_QUESTIONS, QUIZ_TOPICS, type QuizTopic } from "./types";

/** A parsed value, or what is wrong with the text. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** The most questions one quiz has. */
export const MAX_COUNT = MAX_QUESTIONS;
/** Questions when `--count` is not given. */
export const DEFAULT_COUNT = 10;
export const DEFAULT_DIFFICULTY: Difficulty = "medium";

/** `--count N`: a whole number from 1 to 50. */
export function parseCount(text: string): Parsed<number> {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_COUNT) return { ok: true, value: n };
  return {
    ok: false,
    message: `--count must be a whole number from 1 to ${MAX_COUNT} (got "${text}")`,
  };
}

/** `--topics a,b`: topics from QUIZ_TOPICS, in the order given, each once. */
export function parseTopics(text: string): Parsed<readonly QuizTopic[]> {
  const words = text
    .split(",")
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== "");
  if (words.length === 0)
    return { ok: false, message: `--topics needs at least one of ${QUIZ_TOPICS.join(", ")}` };
  const topics: QuizTopic[] = [];
  for (const word of words) {
    if (!isTopic(word)) {
      const near = suggest(word, QUIZ_TOPICS);
      return {
        ok: false,
        message: `unknown topic "${word}"${near ? `; did you mean "${near}"?` : ""} (topics: ${QUIZ_TOPICS.join(", ")})`,
      };
    }
    if (!topics.includes(word)) topics.push(word);
  }
  return { ok: true, value: topics };
}

/** `--difficulty easy|medium|hard`. */
export function parseDifficulty(text: string): Parsed<Difficulty> {
  const word = text.trim().toLowerCase();
  if ((DIFFICULTIES as readonly string[]).includes(word))
    return { ok: true, value: word as Difficulty };
  const near = suggest(word, DIFFICULTIES);
  return {
    ok: false,
    message: `--difficulty must be ${DIFFICULTIES.join(", ")} (got "${text}")${near ? `; did you mean "${near}"?` : ""}`,
  };
}

function isTopic(word: string): word is QuizTopic {
  return (QUIZ_TOPICS as readonly string[]).includes(word);
}
