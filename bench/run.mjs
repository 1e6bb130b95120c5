#!/usr/bin/env node
// Builds a benchmark with esbuild (as the CLI is built) and runs it in a fresh Node process, so
// the figures measure the bundled code the CLI ships, not a test runner's transform.
//   node bench/run.mjs trace        2-node VXLAN trace and the 1,000-node Flannel cluster
//   node bench/run.mjs clusters     5,000 nodes, 150,000 pods with each plugin: build, heap, traces
//   node bench/run.mjs services     100, 1,000, 10,000 Services per kube-proxy mode: rules, lookups, trace time
//   node bench/run.mjs validate     validating the lessons/ pack: load, plan, judge every answer
//   node bench/run.mjs startup      --version, and the first home screen against a one-line Ink app
//   node bench/run.mjs memory       the tutorial's resident memory after a whole lesson (tmux)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const names = process.argv.slice(2);
if (names.length === 0) {
  console.error(
    "usage: node bench/run.mjs NAME… (trace, clusters, services, validate, startup, memory)",
  );
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "podnet-bench-"));
try {
  for (const name of names) {
    const entry = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
    const outfile = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      minify: false,
      logLevel: "error",
      // CommonJS dependencies (yaml) call require(), which an ES module bundle must be given.
      banner: {
        js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
      },
    });
    const root = fileURLToPath(new URL("..", import.meta.url));
    const r = spawnSync(process.execPath, ["--expose-gc", outfile], {
      stdio: "inherit",
      env: { ...process.env, PODNET_ROOT: root },
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
