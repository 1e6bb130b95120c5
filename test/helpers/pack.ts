/**
 * Lesson packs written to temporary directories for the loader's tests, and the small cluster
 * they draw on. Each test file calls `tempPacks()` once; its directories go after every test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

/** Two Flannel nodes on one subnet, a pod on each. */
export const TWO_NODE_CLUSTER = `formatVersion: 1
underlay:
  subnets:
    - cidr: 192.168.1.0/24
cni:
  plugin: flannel
nodes:
  - name: node1
    ip: 192.168.1.11
  - name: node2
    ip: 192.168.1.12
pods:
  - name: pod-a
    node: node1
  - name: pod-b
    node: node2
`;

export interface TempPacks {
  /** An empty temporary directory, removed after the test. */
  tempDir(): string;
  /** A pack in a temporary directory: file name (may name a subdirectory) → text. */
  pack(files: Record<string, string>): string;
}

/** `beforeRemove` runs on each directory first (e.g. to give back a permission taken away). */
export function tempPacks(beforeRemove: (dir: string) => void = () => {}): TempPacks {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) {
      beforeRemove(d);
      rmSync(d, { recursive: true, force: true });
    }
    dirs = [];
  });
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "podnet-pack-"));
    dirs.push(dir);
    return dir;
  };
  return {
    tempDir,
    pack(files) {
      const dir = tempDir();
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      return dir;
    },
  };
}
