import { describe, expect, it } from "vitest";
import { editDistance, parseCommandLine, suggest } from "../../src/cli/args";
import { UsageError } from "../../src/cli/errors";

describe("suggest", () => {
  it("finds a command with two letters swapped", () => {
    expect(suggest("tarce", ["trace", "show", "help"])).toBe("trace");
  });

  it("finds an option with one letter wrong or missing", () => {
    expect(suggest("scirpt", ["script", "from", "to"])).toBe("script");
    expect(suggest("nets", ["netns", "script"])).toBe("netns");
  });

  it("suggests nothing for a word that is not close to any name", () => {
    expect(suggest("deploy", ["trace", "show", "help"])).toBeUndefined();
  });

  it("does not turn a short word into an unrelated one", () => {
    expect(suggest("x", ["to", "h"])).toBeUndefined();
  });
});

describe("editDistance", () => {
  it("counts an adjacent swap as one edit", () => {
    expect(editDistance("form", "from")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("parseCommandLine", () => {
  const options = [
    { name: "script", value: "FILE", description: "" },
    { name: "df", description: "" },
  ];

  it("keeps the words after -- apart, untouched", () => {
    const parsed = parseCommandLine(["--script", "a.sh", "--", "ip", "-4", "route"], options);
    expect(parsed.values.get("script")).toBe("a.sh");
    expect(parsed.rest).toEqual(["ip", "-4", "route"]);
  });

  it("refuses to take the next option as a value", () => {
    expect(() => parseCommandLine(["--script", "--df"], options)).toThrow(UsageError);
    expect(() => parseCommandLine(["--script", "--df"], options)).toThrow(/looks like an option/);
  });

  it("refuses a value on a switch and a repeated option", () => {
    expect(() => parseCommandLine(["--df=yes"], options)).toThrow(/takes no value/);
    expect(() => parseCommandLine(["--df", "--df"], options)).toThrow(/more than once/);
  });
});
