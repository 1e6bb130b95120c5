/**
 * Drawing from the simulator's seeded generator (src/sim/rng.ts): whole numbers, one of a list,
 * a shuffle. The quiz calls nothing else for randomness, so a seed replays the same quiz.
 */
import type { Rng } from "../sim/rng";

/** A whole number from `min` to `max`, both included. */
export function between(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** A shuffled copy (Fisher-Yates). */
export function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `n` different whole numbers from `min` to `max`. */
export function distinct(rng: Rng, n: number, min: number, max: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const v = between(rng, min, max);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}
