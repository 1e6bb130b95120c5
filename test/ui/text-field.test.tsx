import { useState } from "react";
import { describe, expect, test } from "vitest";
import { TextField } from "../../src/ui/widgets/text-field";
import { KEY, press, renderUi, settle, waitForFrame } from "../helpers/ui";

function Field({ submitted }: { submitted: string[] }) {
  const [value, setValue] = useState("");
  return (
    <TextField
      value={value}
      onChange={setValue}
      focus
      onSubmit={(v) => {
        submitted.push(v);
        setValue("");
      }}
    />
  );
}

describe("the text field", () => {
  test("keys sent back to back all land, in order", async () => {
    const submitted: string[] = [];
    const { stdin, lastFrame } = renderUi(<Field submitted={submitted} />);
    await settle();
    for (const ch of "10.244.2.0/24 via 10.244.2.0") stdin.write(ch);
    await waitForFrame(lastFrame, (f) => f.includes("10.244.2.0/24 via 10.244.2.0"));
    await press(stdin, KEY.enter);
    expect(submitted).toEqual(["10.244.2.0/24 via 10.244.2.0"]);
  });

  test("a pasted block runs line by line, and what follows the last break stays typed", async () => {
    const submitted: string[] = [];
    const { stdin, lastFrame } = renderUi(<Field submitted={submitted} />);
    await settle();
    stdin.write("ssh node2\rip route\rsysctl");
    await waitForFrame(lastFrame, (f) => f.includes("sysctl"));
    expect(submitted).toEqual(["ssh node2", "ip route"]);
  });

  test("editing keys: ←, Backspace, Ctrl+A and Ctrl+U", async () => {
    const submitted: string[] = [];
    const { stdin, lastFrame } = renderUi(<Field submitted={submitted} />);
    await settle();
    await press(stdin, "a", "c", KEY.left, "b", KEY.right, KEY.backspace, "d");
    await waitForFrame(lastFrame, (f) => f.includes("abd"));
    await press(stdin, "\x01", "x", "\x05", "\x15");
    await press(stdin, "z", KEY.enter);
    expect(submitted).toEqual(["z"]);
  });
});
