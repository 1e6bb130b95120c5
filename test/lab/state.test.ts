import { describe, expect, test } from "vitest";
import { type LabState, parseLabState } from "../../src/lab/state";

const STATE: LabState = {
  formatVersion: 1,
  lesson: "flannel-vxlan",
  step: "restore-route-to-node2",
  number: 5,
  prefix: "pnl-lab-",
  namespaces: ["pnl-lab-router", "pnl-lab-node1"],
  lessons: null,
};

describe("the lab state file", () => {
  test("reads back what was written", () => {
    expect(parseLabState(JSON.stringify(STATE))).toEqual(STATE);
    expect(parseLabState(JSON.stringify({ ...STATE, lessons: "my-pack" }))?.lessons).toBe(
      "my-pack",
    );
  });

  test.each([
    ["not JSON", "{"],
    ["another version", JSON.stringify({ ...STATE, formatVersion: 2 })],
    ["a missing prefix", JSON.stringify({ ...STATE, prefix: undefined })],
    ["namespaces that are not names", JSON.stringify({ ...STATE, namespaces: [1] })],
    ["an array", "[]"],
  ])("is not a lab state with %s", (_, text) => {
    expect(parseLabState(text)).toBeNull();
  });
});
