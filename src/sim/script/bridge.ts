import { parseIpv4 } from "../ipv4";
import { parseMac } from "../mac";
import type { World } from "../model";
import { renderBridgeFdb } from "../render";
import { changeFdb } from "../state/fdb";
import { fail, ok, type Result } from "../state/result";
import { netnsByName } from "./command";
import { Args, garbage, INCOMPLETE, matches } from "./tokenize";

/** `bridge [-n NS] fdb add|append|replace|del|show …` (bridge/fdb.c). */
export function runBridge(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const args = new Args(words);
  let target = netns;
  while (!args.done && (args.peek() as string).startsWith("-")) {
    const opt = args.next() as string;
    if (opt === "-n" || opt === "-netns") {
      const name = args.next();
      if (name === undefined) return fail("No netns name specified");
      target = name;
    } else if (opt !== "-d" && opt !== "-details" && opt !== "-4")
      return fail(`Option "${opt}" is unknown, try "bridge help".`);
  }
  const object = args.next();
  if (!matches(object, "fdb"))
    return fail(`Object "${object ?? ""}" is unknown, try "bridge help".`);
  const found = netnsByName(world, target);
  if (!found.ok) return found;
  const ns = found.value;
  const sub = args.next();
  if (sub === undefined || matches(sub, "show") || matches(sub, "list")) {
    let dev: string | undefined;
    let br: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
      else if (w === "br") br = args.next();
    }
    if (dev !== undefined && !ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
    if (br !== undefined && ns.links.get(br)?.kind !== "bridge")
      return fail(`Cannot find bridge device "${br}"`);
    return ok(renderBridgeFdb(world, ns, { dev, br }));
  }
  const parsed = parseFdbCommand(sub, args);
  if (!parsed.ok) return parsed;
  const { mode, mac, dev, dst, target: target2, state } = parsed.value;
  const changed = changeFdb(ns, { mac, dev, dst, target: target2, state }, mode);
  return changed.ok ? ok("") : changed;
}

export interface FdbCommand {
  mode: "add" | "append" | "replace" | "del";
  mac: string;
  dev: string;
  dst: number | null;
  target: "self" | "master" | null;
  state: "permanent" | "static" | undefined;
}

/** The words after `bridge fdb SUB` (add, append, replace, del), as typed values. */
export function parseFdbCommand(sub: string, args: Args): Result<FdbCommand> {
  const mode = matches(sub, "add")
    ? "add"
    : matches(sub, "append")
      ? "append"
      : matches(sub, "replace")
        ? "replace"
        : matches(sub, "delete")
          ? "del"
          : null;
  if (mode === null) return fail(`Command "${sub}" is unknown, try "bridge fdb help".`);
  let mac: string | null = null;
  let dev: string | undefined;
  let dst: number | null = null;
  let target2: "self" | "master" | null = null;
  let state: "permanent" | "static" | undefined;
  while (!args.done) {
    const w = args.next() as string;
    if (w === "dev") dev = args.next();
    else if (w === "dst") {
      const v = args.next() ?? "";
      dst = parseIpv4(v);
      if (dst === null) return fail(`Invalid address "${v}"`);
    } else if (w === "self" || w === "master") target2 = w;
    else if (w === "permanent" || w === "static") state = w;
    else if (w === "dynamic" || w === "local") {
      // The model keeps no ageing: a dynamic entry is held like a static one.
      state = "static";
    } else if (w === "vni" || w === "port" || w === "via" || w === "vlan")
      return fail(`podnet-learn: "bridge fdb … ${w}" is not modelled`);
    else if (mac === null) {
      mac = parseMac(w);
      if (mac === null) return fail(`Invalid address "${w}"`);
    } else return fail(garbage(w, "dev"));
  }
  if (mac === null) return fail(INCOMPLETE);
  if (dev === undefined) return fail("Device is a required argument.");
  return ok({ mode, mac, dev, dst, target: target2, state });
}
