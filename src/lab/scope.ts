/**
 * Namespace names in a lab: every scenario line names its namespace (`ip netns add|del NS`,
 * `ip -n NS …`, `bridge -n NS …`, `ip netns exec NS …`), and a lab puts its own prefix in front of
 * each, so nothing a lab runs can reach the host's namespace or anyone else's. The same rules the
 * kernel tests' harness applies before it runs a line (test/kernel/netns.ts, checkScope).
 */

/** The prefix of every namespace a lab makes: distinctive, so `lab --clean` removes only its own. */
export const LAB_PREFIX = "pnl-lab-";

/** What a lab prefix may look like (an override must still start with `pnl-` and end with `-`). */
export const PREFIX_PATTERN = /^pnl-[a-z0-9-]{0,24}-$/;

/** Where in a command the namespace names are, as word indexes. */
function namespaceWords(words: readonly string[]): number[] | string {
  const [tool, opt, a] = words;
  const named: number[] = [];
  if (tool === "ip" && opt === "netns" && (a === "add" || a === "del" || a === "delete")) {
    if (words.length !== 4) return "expected `ip netns add|del NAME`";
    named.push(3);
  } else if (tool === "ip" && opt === "netns" && a === "exec" && words.length >= 5) {
    named.push(3);
  } else if ((tool === "ip" || tool === "bridge") && opt === "-n" && words.length >= 4) {
    named.push(2);
  } else {
    return "it acts on the host's own namespace (a lab line must be `ip netns add|del NS`, `ip -n NS …`, `bridge -n NS …` or `ip netns exec NS …`)";
  }
  // `… netns X` moves a device (or names a veth peer's namespace); a number there is a PID.
  for (let i = 4; i < words.length; i++) if (words[i - 1] === "netns") named.push(i);
  return named;
}

/**
 * The command with every namespace name it holds prefixed, or why the line cannot run in a lab.
 * Only `ip`/`bridge` and `ip netns exec NS (sysctl|iptables)` lines may run.
 */
export function prefixCommand(words: readonly string[], prefix: string): string[] | string {
  const named = namespaceWords(words);
  if (typeof named === "string") return named;
  const out = [...words];
  for (const i of named) {
    const name = out[i] ?? "";
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return `"${name}" is not a namespace name`;
    out[i] = `${prefix}${name}`;
  }
  return out;
}

/** Whether a command, already prefixed, only names namespaces with `prefix` (the last guard). */
export function staysInLab(words: readonly string[], prefix: string): boolean {
  const named = namespaceWords(words);
  if (typeof named === "string") return false;
  return named.every((i) => (words[i] ?? "").startsWith(prefix));
}
