import { describe, expect, test } from "vitest";
import { shownText } from "../../src/ui/symbols";
import { widthOf } from "../../src/ui/text";
import { ScrollView } from "../../src/ui/widgets/scroll-view";
import { renderUi, waitForFrame } from "../helpers/ui";

// A path as the checker writes it, and a chain name as kube-proxy writes it.
const path = "pod-a (eth0) → node1 (cni0 → flannel.1) ✗ dropped · KUBE-SEP-…";

describe("--ascii and the symbols inside texts the TUI did not write", () => {
  test("each symbol becomes one plain character, so a wrapped line keeps its width", () => {
    const plain = shownText(path, true);
    expect(plain).toBe("pod-a (eth0) > node1 (cni0 > flannel.1) x dropped - KUBE-SEP-.");
    expect(widthOf(plain)).toBe(widthOf(path));
    expect(shownText(path, false)).toBe(path);
  });

  test("a scroll view draws the plain text under --ascii, and its 'more below' line too", async () => {
    const lines = [path, "two", "three", "four"].map((text) => ({ text }));
    const ascii = renderUi(<ScrollView lines={lines} height={3} isActive={false} />, {
      ascii: true,
    });
    const frame = await waitForFrame(ascii.lastFrame, (f) => f.includes("flannel.1"));
    expect(frame).toContain("pod-a (eth0) > node1");
    expect(frame).not.toMatch(/[→✗·…↓]/);
    const unicode = renderUi(<ScrollView lines={lines} height={3} isActive={false} />);
    expect(await waitForFrame(unicode.lastFrame, (f) => f.includes("flannel.1"))).toContain(
      "pod-a (eth0) → node1",
    );
  });
});
