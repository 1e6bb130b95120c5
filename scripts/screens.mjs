#!/usr/bin/env node
// Records the tutorial's screens from a real run, into docs/screens.md: the tutorial runs in an
// 80×24 tmux pane (as in test/e2e), keys are sent as a learner types them, and each screen is
// captured as text. Run after `npm run build`: `node scripts/screens.mjs` (needs tmux).
// `--check` compares with the committed file instead of writing it (a test runs that).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "docs", "screens.md");
const session = `podnet-screens-${process.pid}`;
const config = mkdtempSync(join(tmpdir(), "podnet-screens-"));

const tmux = (/** @type {string[]} */ ...args) => execFileSync("tmux", args, { encoding: "utf8" });
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const screen = () =>
  tmux("capture-pane", "-p", "-t", session)
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trimEnd();

async function waitFor(/** @type {string} */ text) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const s = screen();
    if (s.includes(text)) return s;
    if (Date.now() > deadline) throw new Error(`"${text}" never showed; the screen was:\n${s}`);
    await sleep(50);
  }
}

async function keys(/** @type {string[]} */ ...k) {
  for (const key of k) {
    tmux("send-keys", "-t", session, key);
    await sleep(120);
  }
}

async function type(/** @type {string} */ text) {
  tmux("send-keys", "-t", session, "-l", text);
  await sleep(150);
  await keys("Enter");
}

/** @type {{ title: string, text: string, screen: string }[]} */
const shots = [];
async function shoot(
  /** @type {string} */ title,
  /** @type {string} */ text,
  /** @type {string} */ waitText,
) {
  await waitFor(waitText);
  await sleep(300);
  shots.push({ title, text, screen: screen() });
}

try {
  tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "80",
    "-y",
    "24",
    `exec env -u CI PODNET_CONFIG_DIR='${config}' LANG=en_US.UTF-8 '${process.execPath}' '${join(root, "bin", "podnet-learn.js")}'`,
  );
  await shoot(
    "The home screen",
    "Progress, the lessons and where each stands; Enter opens the first.",
    "lessons done",
  );
  await keys("Enter");
  await shoot(
    "A read step",
    "Text, and the cluster drawn from the lesson's own cluster file.",
    "step 1 of",
  );
  for (let i = 0; i < 4; i++) await keys("n");
  await waitFor("step 5 of");
  await sleep(200);
  await type("10.244.2.0/24 via 10.244.2.0 dev flannel.1");
  await shoot(
    "A route, refused",
    "The route goes through the same parser and kernel checks as `ip route add`; the lesson says why this one fails.",
    "Not yet",
  );
  await keys("Up");
  await type(" onlink");
  await shoot(
    "The same route with `onlink`",
    "The checker sent the packet: the path it took, and why it works.",
    "Correct",
  );
  await keys("v");
  await waitFor("hop 1 of");
  // Step to the hop where node1 encapsulates the packet.
  for (let i = 0; i < 30 && !screen().includes("encapsulated in UDP 8472"); i++)
    await keys("Right");
  await shoot(
    "The trace viewer",
    "The checked packet hop by hop; here node1 wraps it in VXLAN.",
    "encapsulated in UDP 8472",
  );
  await keys("q", "q");
  await waitFor("Continue");
  await keys("c");
  await shoot(
    "The CNI comparison",
    "One ping in each CNI mode, side by side; `*` marks what differs.",
    "CNI modes",
  );
} finally {
  try {
    tmux("kill-session", "-t", session);
  } catch {}
  rmSync(config, { recursive: true, force: true });
}

const doc = [
  "# The tutorial, screen by screen",
  "",
  "Captured from a real run at 80×24 by `node scripts/screens.mjs` (after `npm run build`; it",
  "needs tmux). A test runs it with `--check`, so these are the screens the tutorial draws today.",
  "",
  ...shots.flatMap((s) => [`## ${s.title}`, "", s.text, "", "```text", s.screen, "```", ""]),
].join("\n");

if (process.argv.includes("--check")) {
  const committed = readFileSync(out, "utf8");
  if (committed !== doc) {
    process.stderr.write("docs/screens.md is out of date: run node scripts/screens.mjs\n");
    process.exit(1);
  }
} else {
  writeFileSync(out, doc);
  console.log(`wrote ${out} (${shots.length} screens)`);
}
