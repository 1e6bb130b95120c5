#!/usr/bin/env node
// The committed launcher. It loads nothing of the app until it must: the Node check, --version
// and the colour switch are answered here, then the bundle (dist/cli.js) is imported.
// No top-level await and no `?.`/`??`, so that an old Node reaches the version message below
// instead of stopping at a SyntaxError.

const MIN_NODE_MAJOR = 20;

const major = Number(process.versions.node.split(".")[0]);
if (!(major >= MIN_NODE_MAJOR)) {
  process.stderr.write(
    `podnet-learn: needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node.js ${process.versions.node}.\n` +
      "Install a current Node.js (https://nodejs.org) and run it again.\n",
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
const packageRoot = new URL("../", import.meta.url);

/** Flags before the command word (or before `--`) belong to the launcher. */
function leadingFlags(/** @type {string[]} */ args) {
  const flags = [];
  for (const arg of args) {
    if (arg === "--" || !arg.startsWith("-")) break;
    flags.push(arg);
  }
  return flags;
}

/** Everything after `--` is a command for the simulated machine, never our flags. */
function ownArgs(/** @type {string[]} */ args) {
  const end = args.indexOf("--");
  return end === -1 ? args : args.slice(0, end);
}

async function run() {
  const fs = await import("node:fs");

  const flags = leadingFlags(argv);
  if (flags.includes("--version") || flags.includes("-v")) {
    const pkg = JSON.parse(fs.readFileSync(new URL("package.json", packageRoot), "utf8"));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }

  // Ink's colour library ignores NO_COLOR (https://no-color.org) but honours FORCE_COLOR=0.
  const noColor = process.env.NO_COLOR;
  if ((noColor !== undefined && noColor !== "") || ownArgs(argv).includes("--no-color")) {
    process.env.FORCE_COLOR = "0";
  }

  const bundle = new URL("dist/cli.js", packageRoot);
  if (!fs.existsSync(bundle)) {
    const { fileURLToPath } = await import("node:url");
    const dir = fileURLToPath(packageRoot).replace(/\/$/, "");
    process.stderr.write(
      `podnet-learn: the CLI is not built yet; run "npm run build" (or "npm install") in ${dir}\n`,
    );
    return 2;
  }
  const cli = await import(bundle.href);
  return cli.main(argv);
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // main() reports its own errors; this catches a bundle that fails to load at all.
    const message = error instanceof Error ? error.message : String(error);
    if (process.env.PODNET_DEBUG === "1" && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.stderr.write(
      `podnet-learn: internal error: ${message}\n` +
        "This is a bug in podnet-learn; please report it (PODNET_DEBUG=1 shows the stack).\n",
    );
    process.exitCode = 2;
  },
);
