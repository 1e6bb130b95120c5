import { describe, expect, it } from "vitest";
import { parseCount, parseDifficulty, parseTopics } from "../../src/quiz/settings";

describe("quiz settings from the command line", () => {
  it("takes a count from 1 to 50 and refuses anything else, saying the range", () => {
    expect(parseCount("1")).toEqual({ ok: true, value: 1 });
    expect(parseCount("50")).toEqual({ ok: true, value: 50 });
    for (const bad of ["0", "51", "-3", "2.5", "ten", ""]) {
      const parsed = parseCount(bad);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain("from 1 to 50");
    }
  });

  it("takes topics in the order given, once each, and names the nearest for a typo", () => {
    expect(parseTopics("services, flannel,services")).toEqual({
      ok: true,
      value: ["services", "flannel"],
    });
    const typo = parseTopics("flannel,calcio");
    expect(typo.ok).toBe(false);
    if (!typo.ok) {
      expect(typo.message).toContain('unknown topic "calcio"; did you mean "calico"?');
      expect(typo.message).toContain("flannel, calico, cilium, weave, services");
    }
    expect(parseTopics(",").ok).toBe(false);
  });

  it("takes easy, medium or hard, in any case", () => {
    expect(parseDifficulty("HARD")).toEqual({ ok: true, value: "hard" });
    const bad = parseDifficulty("medum");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('did you mean "medium"?');
  });
});
