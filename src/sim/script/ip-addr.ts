import { parseCidr, parseIpv4 } from "../ipv4";
import type { Address, Netns, World } from "../model";
import { renderIpAddr } from "../render";
import { addAddress, deleteAddress } from "../state/addresses";
import { fail, ok, type Result } from "../state/result";
import type { IpOptions } from "./ip";
import { type Args, garbage, INCOMPLETE, matches } from "./tokenize";

/** `ip addr add|del|show|flush`. */
export function runIpAddr(world: World, ns: Netns, args: Args, options: IpOptions): Result<string> {
  const sub = args.next();
  if (sub === undefined || matches(sub, "show") || matches(sub, "list")) {
    let dev: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
      else dev = w;
    }
    if (dev !== undefined && !ns.links.has(dev)) return fail(`Device "${dev}" does not exist.`);
    return ok(renderIpAddr(world, ns, dev, { inetOnly: options.inetOnly }));
  }
  if (matches(sub, "flush")) {
    let dev = args.next();
    if (dev === "dev") dev = args.next();
    if (dev === undefined) return fail("Flush requires arguments.");
    if (!ns.links.has(dev)) return fail(`Device "${dev}" does not exist.`);
    for (const a of ns.addresses.filter((x) => x.dev === dev))
      deleteAddress(ns, a.ip, a.len, a.dev);
    return ok("");
  }
  const adding = matches(sub, "add") || sub === "replace";
  if (!adding && !matches(sub, "delete"))
    return fail(`Command "${sub}" is unknown, try "ip addr help".`);
  let prefix: { ip: number; len: number } | null = null;
  let prefixGiven = false;
  let dev: string | undefined;
  let broadcast: number | "auto" | null = null;
  let scope: Address["scope"] | null = null;
  while (!args.done) {
    const w = args.next() as string;
    if (w === "dev") dev = args.next();
    else if (w === "brd" || w === "broadcast") {
      const v = args.next();
      if (v === "+") broadcast = "auto";
      else if (v === "-") broadcast = null;
      else {
        const ip = parseIpv4(v ?? "");
        if (ip === null) return fail(`Error: inet address is expected rather than "${v}".`);
        broadcast = ip;
      }
    } else if (w === "scope") {
      const v = args.next();
      if (v !== "global" && v !== "link" && v !== "host")
        return fail(`Error: argument "${v}" is wrong: invalid scope value.`);
      scope = v;
    } else if (w === "label" || w === "valid_lft" || w === "preferred_lft") args.next();
    else if (w === "noprefixroute") return fail('podnet-learn: "noprefixroute" is not modelled');
    else if (!prefixGiven) {
      const local = w === "local" ? (args.next() ?? "") : w;
      prefix = parseCidr(local);
      prefixGiven = true;
      if (prefix === null) return fail(`Error: inet prefix is expected rather than "${local}".`);
    } else return fail(garbage(w, "local"));
  }
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.');
  if (prefix === null) return fail(INCOMPLETE);
  if (!ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
  if (adding) {
    // `replace` updates an address that is already there instead of refusing it.
    if (
      sub === "replace" &&
      ns.addresses.some((a) => a.dev === dev && a.ip === prefix?.ip && a.len === prefix?.len)
    )
      return ok("");
    const added = addAddress(world, ns, { ip: prefix.ip, len: prefix.len, dev, broadcast, scope });
    return added.ok ? ok("") : added;
  }
  const deleted = deleteAddress(ns, prefix.ip, prefixGiven ? prefix.len : null, dev);
  return deleted.ok ? ok("") : deleted;
}
