import type { World } from "../model";
import { fail, ok, type Result } from "../state/result";
import { getSysctl, setSysctl } from "../state/sysctl";
import { netnsByName } from "./command";

/** `sysctl [-w] [-q] KEY=VALUE …` and `sysctl KEY` (procps-ng). */
export function runSysctl(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  const ns = found.value;
  let quiet = false;
  let out = "";
  const keys = words.filter((w) => {
    if (w === "-q") quiet = true;
    return !w.startsWith("-");
  });
  if (keys.length === 0) return fail("sysctl: no variables specified");
  for (const word of keys) {
    const eq = word.indexOf("=");
    if (eq < 0) {
      const value = getSysctl(ns, word);
      if (value === null)
        return fail(
          `sysctl: cannot stat /proc/sys/${word.replaceAll(".", "/")}: No such file or directory`,
        );
      out += `${word} = ${value}\n`;
      continue;
    }
    const key = word.slice(0, eq).trim();
    const value = word.slice(eq + 1).trim();
    const done = setSysctl(ns, key, value);
    if (!done.ok) return done;
    if (!quiet) out += `${key} = ${value}\n`;
  }
  return ok(out);
}
