import { describe, expect, it } from "vitest";
import { formatClock, parseDuration } from "../../src/cli/duration";

describe("parseDuration", () => {
  it.each([
    ["90s", 90],
    ["45m", 2700],
    ["1h", 3600],
    ["1h30m", 5400],
    ["20", 1200],
    [" 2M ", 120],
  ])("reads %j as %i seconds", (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });

  it.each(["", "0", "0m", "1.5h", "m", "10x", "5m5m", "-3m"])("refuses %j and says how", (text) => {
    const r = parseDuration(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("45m");
  });
});

describe("formatClock", () => {
  it("shows minutes and seconds, and hours past an hour", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(245)).toBe("4:05");
    expect(formatClock(3723)).toBe("1:02:03");
    expect(formatClock(-5)).toBe("0:00");
  });
});
