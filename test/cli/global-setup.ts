import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The CLI tests run the built bundle through the launcher, as a learner does; building once
 * here keeps them from testing a stale dist/ when vitest is run on its own. A failed build is
 * left for the CLI tests to report, so that tests which never load the bundle still run.
 */
export default function buildOnce(): void {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  try {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  } catch {
    console.error("podnet-learn: the bundle did not build; the CLI tests will fail");
  }
}
