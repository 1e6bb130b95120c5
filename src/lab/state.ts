/**
 * The lab state file: which lesson and step the open lab holds and under which prefix, so that
 * `lab --check` knows what to judge and `lab --clean` what to remove. Kept beside the progress
 * file (PODNET_CONFIG_DIR honoured). Parsing is pure; reading and writing are the CLI's.
 */

/** The file's name in the config directory. */
export const LAB_STATE_FILE = "lab.json";

/** What an open lab is. */
export interface LabState {
  readonly formatVersion: 1;
  readonly lesson: string;
  /** The step's id. */
  readonly step: string;
  /** Its 1-based number in the lesson. */
  readonly number: number;
  /** The namespace prefix the lab was built with. */
  readonly prefix: string;
  /** The namespaces the build made. */
  readonly namespaces: readonly string[];
  /** The lesson pack directory given with --lessons, or null for the built-in lessons. */
  readonly lessons: string | null;
}

/** The state in a file's text, or null when it is not a lab state this version wrote. */
export function parseLabState(text: string): LabState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  const strings = (x: unknown): x is string[] =>
    Array.isArray(x) && x.every((s) => typeof s === "string");
  if (
    v.formatVersion !== 1 ||
    typeof v.lesson !== "string" ||
    typeof v.step !== "string" ||
    typeof v.number !== "number" ||
    typeof v.prefix !== "string" ||
    !strings(v.namespaces) ||
    !(v.lessons === null || typeof v.lessons === "string")
  )
    return null;
  return {
    formatVersion: 1,
    lesson: v.lesson,
    step: v.step,
    number: v.number,
    prefix: v.prefix,
    namespaces: v.namespaces,
    lessons: v.lessons,
  };
}
