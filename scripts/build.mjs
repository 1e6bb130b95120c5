#!/usr/bin/env node
// Bundles the CLI into one file, dist/cli.js. One bundle starts about twice as fast as the
// same code loaded as hundreds of files, and lets the published package have no runtime
// dependencies at all (a cold `npx podnet-learn` then installs one package, not dozens).
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

await rm(join(root, "dist"), { recursive: true, force: true });

const started = performance.now();
try {
  await build({
    absWorkingDir: root,
    // dist/cli.js is the entry; what a command imports only when it runs (the TUI, the
    // simulator) goes into chunks of its own, so `--help` or a non-terminal refusal never
    // parses Ink, React or the simulator.
    entryPoints: { cli: "src/cli/main.ts" },
    outdir: join(root, "dist"),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
    // Ink imports react-devtools-core only when DEV is set; leaving it external crashes at
    // start because the package is not installed, so it is swapped for an empty module.
    alias: { "react-devtools-core": "./scripts/empty-module.mjs" },
    // An ESM bundle has no `require`; CommonJS code bundled into it (some of Ink's and conf's
    // dependencies) still calls it for Node built-ins.
    banner: {
      js: 'import { createRequire as __podnetCreateRequire } from "node:module"; const require = __podnetCreateRequire(import.meta.url);',
    },
  });
} catch {
  // esbuild has already printed its errors with file and line.
  process.exit(1);
}

const ms = Math.round(performance.now() - started);
console.log(`built dist/cli.js in ${ms} ms`);
