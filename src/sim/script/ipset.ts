/**
 * `ipset` (ipset 7.x) for the sets kube-proxy's IPVS mode makes: `create`, `add`, `del`, `test`,
 * `flush`, `destroy`, `list -n` and `save`. Refusals carry ipset's own messages (lib/errcode.c),
 * after its `ipset vX.Y: ` prefix. `ipset list NAME` is left out: its header reports kernel memory
 * and, on recent versions, a random hash seed, which the simulator cannot print as a node would.
 */
import type { World } from "../model";
import {
  IPSET_TYPES,
  type IpSet,
  type IpSetType,
  ipsetsOf,
  memberText,
  parseMember,
  setReferences,
} from "../netfilter/ipset";
import { fail, ok, type Result } from "../state/result";
import { netnsByName } from "./command";

const V = "ipset v7.17";

/** Aliases ipset accepts for its commands (ipset_commands[] in src/ipset.c, the short forms). */
const COMMANDS: Record<string, string> = {
  create: "create",
  n: "create",
  add: "add",
  del: "del",
  test: "test",
  destroy: "destroy",
  x: "destroy",
  flush: "flush",
  list: "list",
  save: "save",
};

/** `ipset [-exist] [-n] COMMAND …` in a namespace. */
export function runIpset(
  world: World,
  words: readonly string[],
  netns: string | null,
): Result<string> {
  const found = netnsByName(world, netns);
  if (!found.ok) return found;
  const ns = found.value;
  let exist = false;
  let namesOnly = false;
  const args: string[] = [];
  for (const w of words) {
    if (w === "-exist" || w === "-!") exist = true;
    else if (w === "-n" || w === "-name") namesOnly = true;
    else if (w === "-q" || w === "-quiet") continue;
    else args.push(w);
  }
  const [verb, name, ...rest] = args;
  if (verb === undefined)
    return fail(`${V}: No command specified.\nTry \`ipset help' for more information.`);
  const command = COMMANDS[verb];
  if (command === undefined)
    return fail(
      `${V}: No command specified: unknown argument ${verb}\nTry \`ipset help' for more information.`,
    );
  const sets = ipsetsOf(ns);
  const setOf = (): Result<IpSet> => {
    if (name === undefined) return fail(`${V}: Missing mandatory argument: setname`);
    const set = sets.get(name);
    return set ? ok(set) : fail(`${V}: The set with the given name does not exist`);
  };
  switch (command) {
    case "create": {
      if (name === undefined) return fail(`${V}: Missing mandatory argument: setname`);
      const [type, ...opts] = rest;
      if (type === undefined) return fail(`${V}: Missing mandatory argument: typename`);
      if (!(IPSET_TYPES as readonly string[]).includes(type))
        return fail(`${V}: Syntax error: typename '${type}' is unknown`);
      const made = createSpec(name, type as IpSetType, opts);
      if (!made.ok) return made;
      const existing = sets.get(name);
      if (existing) {
        // -exist: the same set again is fine; anything else is refused either way.
        if (exist && existing.type === made.value.type) return ok("");
        return fail(`${V}: Set cannot be created: set with the same name already exists`);
      }
      sets.set(name, made.value);
      return ok("");
    }
    case "add":
    case "del":
    case "test": {
      const set = setOf();
      if (!set.ok) return set;
      const text = rest[0];
      if (text === undefined) return fail(`${V}: Missing mandatory argument: element`);
      const member = parseMember(set.value, text);
      if (member === null)
        return fail(`${V}: Syntax error: cannot parse ${text}: resolving to IPv4 address failed`);
      if (set.value.type === "bitmap:port" && set.value.range !== null) {
        const { from, to } = set.value.range;
        if (member.port < from || member.port > to)
          return fail(`${V}: Element is out of the range of the set`);
      }
      const key = memberText(set.value, member);
      const members = set.value.members;
      if (command === "test")
        return members.has(key)
          ? ok(`${text} is in set ${set.value.name}.\n`)
          : fail(`${text} is NOT in set ${set.value.name}.`);
      if (command === "add") {
        if (members.has(key)) {
          if (exist) return ok("");
          return fail(`${V}: Element cannot be added to the set: it's already added`);
        }
        if (members.size >= set.value.maxelem)
          return fail(`${V}: Hash is full, cannot add more elements`);
        members.set(key, member);
        return ok("");
      }
      if (!members.delete(key) && !exist)
        return fail(`${V}: Element cannot be deleted from the set: it's not added`);
      return ok("");
    }
    case "flush": {
      if (name === undefined) {
        for (const set of sets.values()) set.members.clear();
        return ok("");
      }
      const set = setOf();
      if (!set.ok) return set;
      set.value.members.clear();
      return ok("");
    }
    case "destroy": {
      const victims = name === undefined ? [...sets.values()] : [];
      if (name !== undefined) {
        const set = setOf();
        if (!set.ok) return set;
        victims.push(set.value);
      }
      for (const set of victims)
        if (setReferences(ns, set.name) > 0)
          return fail(`${V}: Set cannot be destroyed: it is in use by a kernel component`);
      for (const set of victims) sets.delete(set.name);
      return ok("");
    }
    case "list": {
      if (!namesOnly)
        return fail(
          "podnet-learn: ipset list prints kernel memory sizes and hash seeds the simulator does not have; use ipset list -n or ipset save",
        );
      if (name !== undefined) {
        const set = setOf();
        return set.ok ? ok(`${set.value.name}\n`) : set;
      }
      return ok([...sets.keys()].map((n) => `${n}\n`).join(""));
    }
    case "save": {
      const list = name === undefined ? [...sets.values()] : [];
      if (name !== undefined) {
        const set = setOf();
        if (!set.ok) return set;
        list.push(set.value);
      }
      return ok(list.map(saveText).join(""));
    }
    default:
      return fail(`${V}: No command specified: unknown argument ${verb}`);
  }
}

/** The `create` options kube-proxy passes (`family inet hashsize N maxelem N`, `range A-B`). */
function createSpec(name: string, type: IpSetType, opts: readonly string[]): Result<IpSet> {
  let hashsize = 1024;
  let maxelem = 65536;
  let range: IpSet["range"] = null;
  for (let i = 0; i < opts.length; i++) {
    const opt = opts[i] as string;
    const value = opts[i + 1];
    if (opt === "comment") continue;
    if (value === undefined) return fail(`${V}: Missing mandatory argument: ${opt}`);
    i++;
    if (opt === "family") {
      if (value !== "inet")
        return fail(`podnet-learn: ipset family ${value} is not modelled (inet is)`);
    } else if (opt === "hashsize" && type !== "bitmap:port") hashsize = Number(value);
    else if (opt === "maxelem" && type !== "bitmap:port") maxelem = Number(value);
    else if (opt === "range" && type === "bitmap:port") {
      const m = /^([0-9]+)-([0-9]+)$/.exec(value);
      if (!m) return fail(`${V}: Syntax error: cannot parse ${value} as a port range`);
      const a = Number(m[1]);
      const b = Number(m[2]);
      range = { from: Math.min(a, b), to: Math.max(a, b) };
    } else return fail(`${V}: Syntax error: Unknown argument: '${opt}'`);
  }
  if (type === "bitmap:port" && range === null)
    return fail(`${V}: Argument \`range' is missing with type bitmap:port.`);
  return ok({ name, type, hashsize, maxelem, range, members: new Map() });
}

/** `ipset save` (ipset ≤ 7.10, without the bucketsize and random initval newer ones add). */
function saveText(set: IpSet): string {
  const header =
    set.type === "bitmap:port"
      ? `range ${set.range?.from ?? 0}-${set.range?.to ?? 65535}`
      : `family inet hashsize ${set.hashsize} maxelem ${set.maxelem}`;
  let out = `create ${set.name} ${set.type} ${header}\n`;
  for (const key of set.members.keys()) out += `add ${set.name} ${key}\n`;
  return out;
}
