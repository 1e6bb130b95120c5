/**
 * A tmux pane for the terminal tests: the built CLI gets a real pseudo-terminal, keys are sent
 * as a person types them, and the screen is read back with capture-pane, polled with a deadline
 * (never a fixed wait for a frame).
 */
import { execFileSync, spawnSync } from "node:child_process";

export const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
// CI installs tmux and sets PODNET_REQUIRE_KERNEL=1: there the terminal tests must run, never skip.
if (!hasTmux && process.env.PODNET_REQUIRE_KERNEL === "1")
  throw new Error(
    "tmux is required for the terminal test (PODNET_REQUIRE_KERNEL=1) but is not installed",
  );

export interface TmuxPane {
  /** Runs one tmux command and returns what it printed. */
  tmux(...args: string[]): string;
  /** The pane's text as it is now. */
  screen(): string;
  /** Polls the pane until `predicate` holds; the screen it last saw is in the error. */
  waitForScreen(predicate: (s: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends keys (tmux key names or text) one at a time, a typist's pace apart. */
  keys(...k: string[]): Promise<void>;
}

export function tmuxPane(session: string): TmuxPane {
  const tmux = (...args: string[]): string => execFileSync("tmux", args, { encoding: "utf8" });
  const screen = (): string => tmux("capture-pane", "-p", "-t", session);
  return {
    tmux,
    screen,
    async waitForScreen(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = screen();
        if (predicate(s)) return s;
        if (Date.now() > deadline) throw new Error(`the screen never matched; it showed:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async keys(...k) {
      for (const key of k) {
        tmux("send-keys", "-t", session, key);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
  };
}
