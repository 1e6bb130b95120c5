import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Command, cmd } from "../../src/sim/cni/command";
import { tokenize } from "../../src/sim/script/tokenize";

/** A template's strings as a tag receives them. */
function template(strings: string[]): TemplateStringsArray {
  return Object.assign([...strings], { raw: [...strings] });
}

const text = (alphabet: string[]) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((cs) => cs.join(""));
const STATIC = ["a", "b", "0", ".", "/", "-", " ", " ", " ", '"', "#", "\t"];
const VALUE = ["x", "1", ".", "/", ":", "-", " ", "'", "\\"];

describe("cmd templates", () => {
  test("print as the template literal and split as the shell would split that text", () => {
    const veth = "vethabcdef12";
    const c = cmd`link set ${veth} mtu ${1450}`;
    expect(c.text()).toBe(`link set ${veth} mtu ${1450}`);
    expect(c.split()).toEqual({ ok: true, words: ["link", "set", veth, "mtu", "1450"] });
    const ip = "10.244.1.5";
    expect(cmd`addr add ${ip}/${24} dev eth0`.split()).toEqual({
      ok: true,
      words: ["addr", "add", "10.244.1.5/24", "dev", "eth0"],
    });
  });

  test("any strings and values give tokenize's words for the text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(text(VALUE), fc.integer({ min: -5, max: 70000 })), { maxLength: 5 }),
        fc.array(text(STATIC), { minLength: 6, maxLength: 6 }),
        (values, statics) => {
          const c = new Command(template(statics.slice(0, values.length + 1)), values);
          expect(c.split()).toEqual(tokenize(c.text()));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
