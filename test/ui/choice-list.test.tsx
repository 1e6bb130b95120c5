import { describe, expect, test } from "vitest";
import { type ChoiceItem, ChoiceList } from "../../src/ui/widgets/choice-list";
import { KEY, press, renderUi, settle, waitForFrame } from "../helpers/ui";

const items: ChoiceItem<string>[] = ["none", "vxlan", "ipip", "geneve"].map((v) => ({
  key: v,
  value: v,
  label: `encapsulation ${v}`,
}));

function list(picked: string[], options: { ascii?: boolean; initialIndex?: number } = {}) {
  return renderUi(
    <ChoiceList
      items={items}
      initialIndex={options.initialIndex}
      onSelect={(item) => picked.push(item.value)}
    />,
    { ascii: options.ascii },
  );
}

describe("the choice list", () => {
  test("↓ then Enter sent in one chunk picks the row below, not the one the pointer left", async () => {
    const picked: string[] = [];
    const { lastFrame, stdin } = list(picked);
    await waitForFrame(lastFrame, (f) => f.includes("encapsulation geneve"));
    await settle();
    stdin.write(`${KEY.down}${KEY.down}${KEY.enter}`);
    await waitForFrame(lastFrame, (f) => f.includes("❯ encapsulation ipip"));
    expect(picked).toEqual(["ipip"]);
  });

  test("↑ from the first row wraps to the last; a number picks its row at once", async () => {
    const picked: string[] = [];
    const { lastFrame, stdin } = list(picked);
    await waitForFrame(lastFrame, (f) => f.includes("❯ encapsulation none"));
    await settle();
    await press(stdin, KEY.up);
    await waitForFrame(lastFrame, (f) => f.includes("❯ encapsulation geneve"));
    await press(stdin, KEY.enter, "2");
    await waitForFrame(lastFrame, (f) => f.includes("❯ encapsulation vxlan"));
    expect(picked).toEqual(["geneve", "vxlan"]);
  });

  test("starts on initialIndex, and draws a plain pointer under --ascii", async () => {
    const picked: string[] = [];
    const { lastFrame, stdin } = list(picked, { ascii: true, initialIndex: 3 });
    const frame = await waitForFrame(lastFrame, (f) => f.includes("> encapsulation geneve"));
    expect(frame).not.toContain("❯");
    await settle();
    await press(stdin, "9");
    await press(stdin, KEY.enter);
    expect(picked).toEqual(["geneve"]);
  });
});
