/**
 * What the lab commands look up: the lesson a LESSON-ID names, the exercise a `--step` names (or
 * a lesson's first lab), and the open lab's state file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type LabEntry, labEntries } from "../lab/plan";
import { LAB_STATE_FILE, type LabState, parseLabState } from "../lab/state";
import type { Lesson } from "../lessons/parse";
import { suggest } from "./args";
import { labCommand } from "./commands";
import { InputError } from "./errors";

const NAME = labCommand.name;

/** The lesson a LESSON-ID names, or an input error with the nearest id. */
export function lessonNamed(lessons: readonly Lesson[], id: string): Lesson {
  const found = lessons.find((l) => l.id === id);
  if (found) return found;
  const near = suggest(
    id,
    lessons.map((l) => l.id),
  );
  throw new InputError(
    `no lesson "${id}"${near ? `; did you mean "${near}"?` : ""} (podnet-learn lab --list shows the labs)`,
    NAME,
  );
}

/** The lab entry a step key names (or the lesson's first lab), or why there is none. */
export function entryNamed(lesson: Lesson, stepKey: string | undefined): LabEntry {
  const entries = labEntries([lesson]);
  const labs = entries.filter((e) => e.unsupported === null);
  const shown = labs.map((e) => `${e.index + 1} ${e.step.id}`).join(", ") || "none";
  if (stepKey === undefined) {
    const first = labs[0];
    if (first) return first;
    const why = entries.map((e) => `${e.step.id}: ${e.unsupported}`).join("; ");
    throw new InputError(
      `lesson ${lesson.id} has no exercise that can be a lab${why ? ` (${why})` : " (it has no route or fix step)"}`,
      NAME,
    );
  }
  const index = /^\d+$/.test(stepKey)
    ? Number(stepKey) - 1
    : lesson.steps.findIndex((s) => s.id === stepKey);
  const step = lesson.steps[index];
  if (step === undefined) {
    const near = suggest(
      stepKey,
      lesson.steps.map((s) => s.id),
    );
    throw new InputError(
      `lesson ${lesson.id} has no step "${stepKey}"${near ? `; did you mean "${near}"?` : ""} (its labs: ${shown})`,
      NAME,
    );
  }
  const entry = entries.find((e) => e.index === index);
  if (entry === undefined)
    throw new InputError(
      `step ${index + 1} (${step.id}) of ${lesson.id} is a ${step.kind} step; a lab is a route or fix step (its labs: ${shown})`,
      NAME,
    );
  if (entry.unsupported !== null)
    throw new InputError(
      `step ${index + 1} (${step.id}) of ${lesson.id} cannot be a lab: ${entry.unsupported} (its labs: ${shown}); podnet-learn check judges it in the simulator`,
      NAME,
    );
  return entry;
}

/** The open lab's state, null when none is open, or "unreadable". */
export function readState(stateDir: string): LabState | null | "unreadable" {
  let text: string;
  try {
    text = readFileSync(join(stateDir, LAB_STATE_FILE), "utf8");
  } catch {
    return null;
  }
  return parseLabState(text) ?? "unreadable";
}
