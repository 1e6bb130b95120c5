/**
 * A seeded pseudo-random generator (mulberry32). The simulator never calls Math.random: where the
 * kernel draws a random number (iptables `-m statistic --mode random`), the walk draws from one of
 * these, so a seed replays the same choices.
 */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
