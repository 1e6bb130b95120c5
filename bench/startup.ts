/**
 * Start-up as a learner meets it. Run: `npm run bench -- startup` (after `npm run build`).
 * - `podnet-learn --version`: the launcher answers it without loading the bundle; median of 15.
 * - The tutorial's first home screen, in a pseudo-terminal (util-linux `script`), from spawn to
 *   the first frame that shows the lesson list, against a one-line Ink app bundled with the same
 *   esbuild options, alternating the two, median of 9 each; the target is a ratio of at most 1.3.
 * Machines are noisy: the ratio, measured in the same run, is the figure to compare.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { line } from "./measure";

const root = process.env.PODNET_ROOT ?? process.cwd();
const launcher = join(root, "bin", "podnet-learn.js");
const work = mkdtempSync(join(tmpdir(), "podnet-startup-"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Milliseconds from spawn until the terminal shows `marker` (through a pseudo-terminal). */
function timeToScreen(command: string, marker: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TERM: "xterm-256color",
      COLUMNS: "80",
      LINES: "24",
      PODNET_CONFIG_DIR: join(work, "config"),
      LANG: "en_US.UTF-8",
    };
    delete env.CI;
    const child = spawn("script", ["-qfec", `stty cols 80 rows 24; ${command}`, "/dev/null"], {
      env,
      stdio: ["pipe", "pipe", "ignore"],
    });
    let seen = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`"${marker}" never appeared; the terminal showed: ${seen.slice(-300)}`));
    }, 15_000);
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (seen.includes(marker)) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.kill("SIGKILL");
        resolve(ms);
      }
    });
  });
}

async function main(): Promise<void> {
  const versions: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [launcher, "--version"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`--version failed: ${r.stderr}`);
    versions.push(performance.now() - t0);
  }
  const version = median(versions);
  line(
    "podnet-learn --version (median of 15)",
    `${version.toFixed(0)} ms`,
    "< 150 ms",
    version < 150,
  );

  // The baseline: one line of Ink, bundled as scripts/build.mjs bundles the CLI.
  const source = join(work, "minimal.mjs");
  writeFileSync(
    source,
    'import React from "react"; import { render, Text } from "ink";\nrender(React.createElement(Text, null, "minimal ink app ready"));\n',
  );
  const minimal = join(work, "minimal-bundle.mjs");
  // esbuild from the project (not bundled into this benchmark: it loads its own binary).
  const { build } = createRequire(join(root, "package.json"))(
    "esbuild",
  ) as typeof import("esbuild");
  await build({
    entryPoints: [source],
    outfile: minimal,
    absWorkingDir: root,
    nodePaths: [join(root, "node_modules")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"' },
    alias: { "react-devtools-core": join(root, "scripts", "empty-module.mjs") },
    banner: {
      js: 'import { createRequire as __podnetCreateRequire } from "node:module"; const require = __podnetCreateRequire(import.meta.url);',
    },
  });

  const app: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < 9; i++) {
    base.push(await timeToScreen(`'${process.execPath}' '${minimal}'`, "minimal ink app ready"));
    app.push(await timeToScreen(`'${process.execPath}' '${launcher}'`, "lessons done"));
  }
  const a = median(app);
  const b = median(base);
  line("one-line Ink app, first frame (median of 9)", `${b.toFixed(0)} ms`, "-", true);
  line("podnet-learn, first home screen (median of 9)", `${a.toFixed(0)} ms`, "-", true);
  line("ratio home screen / one-line Ink app", `${(a / b).toFixed(2)}`, "<= 1.3", a / b <= 1.3);
  console.log(`(node ${process.version}, ${process.platform}/${process.arch})`);
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
