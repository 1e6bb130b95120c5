import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const launcher = fileURLToPath(new URL("../../bin/podnet-learn.js", import.meta.url));

/** What a learner sees from one run of the command. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/podnet-learn.js ARGS` from the repository root, the way a learner's shell
 * would, and resolves with the exit code and both streams, whatever the code.
 */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; script?: string } = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...options.env };
  delete env.CI;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [options.script ?? launcher, ...args],
      { cwd: repoRoot, env, encoding: "utf8", timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}
