import { render } from "ink-testing-library";
import type { ReactNode } from "react";
import { emptyProgress, type Progress } from "../../src/progress/schema";
import { type ProgressAccess, Ui, type UiContext } from "../../src/ui/context";
import type { Lang } from "../../src/ui/i18n/locale";
import { symbolsFor } from "../../src/ui/symbols";

/** A progress store in memory, with the same read-fresh/update contract as the file one. */
export function memoryProgress(initial: Progress = emptyProgress()): ProgressAccess & {
  data: Progress;
} {
  const box = { data: structuredClone(initial) };
  return {
    get data() {
      return box.data;
    },
    read: () => structuredClone(box.data),
    update(change) {
      const next = structuredClone(box.data);
      change(next);
      box.data = next;
      return structuredClone(next);
    },
  };
}

export interface UiOptions {
  lang?: Lang;
  ascii?: boolean;
  columns?: number;
  rows?: number;
  progress?: ProgressAccess;
}

export function renderUi(node: ReactNode, options: UiOptions = {}) {
  const ctx: UiContext = {
    lang: options.lang ?? "en",
    ascii: options.ascii ?? false,
    symbols: symbolsFor(options.ascii ?? false),
    columns: options.columns ?? 80,
    rows: options.rows ?? 24,
    progress: options.progress ?? memoryProgress(),
    now: () => new Date("2026-11-29T10:00:00Z"),
  };
  return render(<Ui.Provider value={ctx}>{node}</Ui.Provider>);
}

/** Polls until the last frame satisfies `predicate` (never a fixed sleep); returns that frame. */
export async function waitForFrame(
  lastFrame: () => string | undefined,
  predicate: (frame: string) => boolean,
  // Generous: a deadline is only reached when something is wrong, and a loaded machine (two
  // cores running every suite at once) can take seconds to draw a simulated check.
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = lastFrame() ?? "";
    if (predicate(frame)) return frame;
    if (Date.now() > deadline) {
      throw new Error(`no frame matched within ${timeoutMs} ms; the last one was:\n${frame}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Lets a new screen subscribe to input: Ink's input handlers are attached in effects that run
 * after the frame is drawn, so a key sent the moment a frame appears can reach no one.
 */
export function settle(ms = 60): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes each key and waits until the frame changes before the next: for keys a list or a
 * field handles through its own state, where a key that comes before the last one is drawn
 * can be handled with the old state and lost.
 */
export async function pressEach(
  stdin: { write(data: string): void },
  lastFrame: () => string | undefined,
  ...keys: string[]
): Promise<void> {
  for (const key of keys) {
    const before = lastFrame() ?? "";
    stdin.write(key);
    await waitForFrame(lastFrame, (f) => f !== before);
  }
}

/** Writes keys one at a time, letting Ink handle each before the next. */
export async function press(
  stdin: { write(data: string): void },
  ...keys: string[]
): Promise<void> {
  for (const key of keys) {
    stdin.write(key);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const KEY = {
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  enter: "\r",
  escape: "\x1b",
  backspace: "\x7f",
  tab: "\t",
} as const;
