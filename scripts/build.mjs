#!/usr/bin/env node
// Bundles the CLI into one file, dist/cli.js. One bundle starts about twice as fast as the
// same code loaded as hundreds of files, and lets the published package have no runtime
// dependencies at all (a cold `npx podnet-learn` then installs one package, not dozens).
import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parse } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

await rm(join(root, "dist"), { recursive: true, force: true });

const started = performance.now();
let metafile;
try {
  ({ metafile } = await build({
    metafile: true,
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
    // conf's schema validation and migrations are never used (scripts/conf-unused.mjs says why).
    alias: {
      "react-devtools-core": "./scripts/empty-module.mjs",
      "ajv/dist/2020.js": "./scripts/conf-unused.mjs",
      "ajv-formats": "./scripts/conf-unused.mjs",
      semver: "./scripts/conf-unused.mjs",
    },
    // An ESM bundle has no `require`; CommonJS code bundled into it (some of Ink's and conf's
    // dependencies) still calls it for Node built-ins.
    banner: {
      js: 'import { createRequire as __podnetCreateRequire } from "node:module"; const require = __podnetCreateRequire(import.meta.url);',
    },
  }));
} catch {
  // esbuild has already printed its errors with file and line.
  process.exit(1);
}

if (metafile)
  await writeFile(join(root, "dist", "THIRD_PARTY_LICENSES.txt"), await licences(metafile));
const catalogue = await lessonCatalogue();
if (catalogue) await writeFile(join(root, "dist", "catalogue.json"), JSON.stringify(catalogue));

const ms = Math.round(performance.now() - started);
console.log(`built dist/cli.js in ${ms} ms`);

/**
 * The licence of every package whose code is in the bundle: the published package carries no
 * dependencies of its own, so their notices ship with it here. The packages are read from the
 * bundle's inputs, so the list is exactly what was bundled.
 */
async function licences(/** @type {import("esbuild").Metafile} */ meta) {
  const dirs = new Set();
  for (const input of Object.keys(meta.inputs)) {
    const at = input.lastIndexOf("node_modules/");
    if (at === -1) continue;
    const [scope = "", inner = ""] = input.slice(at + "node_modules/".length).split("/");
    const name = scope.startsWith("@") ? `${scope}/${inner}` : scope;
    dirs.add(join(root, input.slice(0, at), "node_modules", name));
  }
  const sections = [];
  for (const dir of [...dirs].sort()) {
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    const file = (await readdir(dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file
      ? (await readFile(join(dir, file), "utf8")).trim()
      : `License: ${pkg.license}`;
    sections.push(`${pkg.name} ${pkg.version} (${pkg.license})\n\n${text}`);
  }
  return `podnet-learn bundles the following packages in dist/.\n\n${sections.join(`\n\n${"-".repeat(72)}\n\n`)}\n`;
}

/**
 * What the tutorial's home screen lists of each built-in lesson (src/ui/catalogue.ts), so its
 * first screen does not wait for every lesson to be loaded and its clusters planned. Written only
 * when every lesson file reads; the tutorial checks the files' contents (SHA-1) before using it
 * (not their times: npm pack resets every file's time).
 */
async function lessonCatalogue() {
  const dir = join(root, "lessons");
  try {
    const names = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
    const files = [];
    const lessons = [];
    for (const name of names) {
      const text = await readFile(join(dir, name), "utf8");
      files.push({ name, sha1: createHash("sha1").update(text).digest("hex") });
      const d = parse(text);
      lessons.push({
        id: d.id,
        order: d.order,
        minutes: d.minutes,
        prerequisites: d.prerequisites ?? [],
        title: { en: d.title.en, ko: d.title.ko },
        summary: { en: d.summary.en, ko: d.summary.ko },
        stepIds: d.steps.map((/** @type {{id: string}} */ s) => s.id),
      });
    }
    lessons.sort((a, b) => a.order - b.order);
    return { files, lessons };
  } catch {
    return null;
  }
}
