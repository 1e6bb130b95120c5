/**
 * Durations on the command line (`--time-limit 45m`): a number with s, m or h, or several
 * (`1h30m`); a bare number is minutes, as an instructor says it.
 */

/** Seconds in `text`, or an error message that says what is accepted. */
export function parseDuration(
  text: string,
):
  | { readonly ok: true; readonly seconds: number }
  | { readonly ok: false; readonly message: string } {
  const trimmed = text.trim().toLowerCase();
  const bad = {
    ok: false as const,
    message: `"${text}" is not a duration: write it like 90s, 45m, 1h or 1h30m (a bare number is minutes)`,
  };
  if (/^\d+$/.test(trimmed)) {
    const minutes = Number(trimmed);
    return minutes > 0 ? { ok: true, seconds: minutes * 60 } : bad;
  }
  if (!/^(\d+[hms])+$/.test(trimmed)) return bad;
  let seconds = 0;
  const seen = new Set<string>();
  for (const [, n = "", unit = ""] of trimmed.matchAll(/(\d+)([hms])/g)) {
    if (seen.has(unit)) return bad;
    seen.add(unit);
    seconds += Number(n) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  }
  return seconds > 0 ? { ok: true, seconds } : bad;
}

/** `seconds` as a clock: 4:05, or 1:02:03 past an hour. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
