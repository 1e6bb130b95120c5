import { parseIpv4 } from "../ipv4";
import { parseMac } from "../mac";
import type { Netns, World } from "../model";
import { renderIpLink } from "../render";
import {
  addLink,
  deleteLink,
  moveToNetns,
  type NewLink,
  rename,
  setAddress,
  setArp,
  setDown,
  setMaster,
  setMtu,
  setUp,
} from "../state/links";
import { deviceNotFound, findLink } from "../state/netns";
import { fail, ok, type Result } from "../state/result";
import type { IpOptions } from "./ip";
import { type Args, garbage, INCOMPLETE, matches } from "./tokenize";

/** `ip link add|set|del|show`. */
export function runIpLink(world: World, ns: Netns, args: Args, options: IpOptions): Result<string> {
  const sub = args.next();
  if (sub === undefined || matches(sub, "show") || matches(sub, "list")) {
    let dev: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
      else if (w !== "up") dev = w;
    }
    if (dev !== undefined && !ns.links.has(dev)) return fail(`Device "${dev}" does not exist.`);
    return ok(renderIpLink(world, ns, { details: options.details, dev }));
  }
  if (matches(sub, "add")) return add(world, ns, args);
  if (matches(sub, "set")) return set(world, ns, args);
  if (matches(sub, "delete")) {
    let name = args.next();
    if (name === "dev") name = args.next();
    if (name === undefined) return fail(INCOMPLETE);
    const deleted = deleteLink(world, ns, name);
    return deleted.ok ? ok("") : deleted;
  }
  return fail(`Command "${sub}" is unknown, try "ip link help".`);
}

function add(world: World, ns: Netns, args: Args): Result<string> {
  let name: string | undefined;
  let type: string | undefined;
  let mac: string | undefined;
  let mtu: number | undefined;
  while (!args.done && type === undefined) {
    const w = args.next() as string;
    if (w === "name" || w === "dev") name = args.next();
    else if (w === "type") type = args.next();
    else if (w === "address") mac = args.next();
    else if (w === "mtu") {
      const v = args.next();
      if (v === undefined) return fail(INCOMPLETE);
      if (!/^[0-9]+$/.test(v))
        return fail(`Error: argument "${v}" is wrong: Invalid "mtu" value\n`);
      mtu = Number(v);
    } else if (name === undefined) name = w;
    else return fail(garbage(w, "name"));
  }
  if (name === undefined) return fail('Not enough information: "dev" argument is required.');
  if (type === undefined) return fail('Not enough information: "type" argument is required.');
  const spec = typeArgs(type, name, args);
  if (!spec.ok) return spec;
  const added = addLink(world, ns, spec.value.link);
  if (!added.ok) return added;
  const link = added.value;
  if (mac !== undefined) {
    const parsed = parseMac(mac);
    if (parsed === null) return fail(`"${mac}" is invalid lladdr.`);
    setAddress(ns, link, parsed);
  }
  if (mtu !== undefined) setMtu(ns, link, mtu);
  if (link.kind === "veth") {
    if (spec.value.peerMac !== undefined) link.peer.mac = spec.value.peerMac;
    if (spec.value.peerMtu !== undefined) link.peer.mtu = spec.value.peerMtu;
  }
  return ok(spec.value.warning);
}

interface TypeArgs {
  link: NewLink;
  peerMac?: string;
  peerMtu?: number;
  warning: string;
}

function typeArgs(type: string, name: string, args: Args): Result<TypeArgs> {
  switch (type) {
    case "veth": {
      let peerName: string | undefined;
      let peerNetns: string | null = null;
      let peerMac: string | undefined;
      let peerMtu: number | undefined;
      if (!args.done) {
        if (args.next() !== "peer") return fail(INCOMPLETE);
        while (!args.done) {
          const w = args.next() as string;
          if (w === "name") peerName = args.next();
          else if (w === "netns") peerNetns = args.next() ?? null;
          else if (w === "address") {
            const m = parseMac(args.next() ?? "");
            if (m === null) return fail('"address" is invalid lladdr.');
            peerMac = m;
          } else if (w === "mtu") peerMtu = Number(args.next());
          else if (peerName === undefined) peerName = w;
          else return fail(garbage(w, "name"));
        }
      }
      if (peerName === undefined)
        return fail("podnet-learn: give the peer a name: type veth peer name NAME");
      return ok({
        link: { kind: "veth", name, peerName, peerNetns },
        peerMac,
        peerMtu,
        warning: "",
      });
    }
    case "bridge":
      while (!args.done) {
        const w = args.next() as string;
        // Bridge tuning options do not change where an IPv4 packet goes; accept and ignore them.
        if (
          !/^(stp_state|forward_delay|hello_time|max_age|ageing_time|vlan_filtering|mcast_snooping|priority)$/.test(
            w,
          )
        )
          return fail(`bridge: unknown command "${w}"?`);
        args.next();
      }
      return ok({ link: { kind: "bridge", name }, warning: "" });
    case "dummy":
      return ok({ link: { kind: "dummy", name }, warning: "" });
    case "vxlan":
      return vxlanArgs(name, args);
    case "geneve":
      return geneveArgs(name, args);
    case "ipip":
      return ipipArgs(name, args);
    default:
      return fail(
        `podnet-learn: link type "${type}" is not modelled (veth, bridge, vxlan, geneve, ipip and dummy are)`,
      );
  }
}

function ipipArgs(name: string, args: Args): Result<TypeArgs> {
  let local: number | null = null;
  let remote: number | null = null;
  while (!args.done) {
    const w = args.next() as string;
    if (w === "local" || w === "remote") {
      const text = args.next() ?? "";
      const addr = text === "any" ? 0 : parseIpv4(text);
      if (addr === null) return fail(`Error: inet address is expected rather than "${text}".`);
      if (w === "local") local = addr === 0 ? null : addr;
      else remote = addr === 0 ? null : addr;
    } else if (w === "ttl" || w === "dev" || w === "mode") args.next();
    else if (w !== "pmtudisc" && w !== "nopmtudisc") return fail(`ipip: unknown command "${w}"?`);
  }
  return ok({ link: { kind: "ipip", name, local, remote }, warning: "" });
}

function vxlanArgs(name: string, args: Args): Result<TypeArgs> {
  let vni: number | undefined;
  let dstport: number | undefined;
  let local: number | null = null;
  let remote: number | null = null;
  let dev: string | null = null;
  let learning = true;
  let external = false;
  while (!args.done) {
    const w = args.next() as string;
    const v = (): string | undefined => args.next();
    if (w === "id" || w === "vni") {
      const text = v();
      if (text === undefined || !/^[0-9]+$/.test(text))
        return fail(`Error: argument "${text}" is wrong: invalid id`);
      vni = Number(text);
    } else if (w === "dstport") {
      const text = v();
      if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) > 65535)
        return fail(`Error: argument "${text}" is wrong: dstport`);
      dstport = Number(text);
    } else if (w === "local" || w === "remote") {
      const text = v() ?? "";
      const ip = parseIpv4(text);
      if (ip === null) return fail(`Error: inet address is expected rather than "${text}".`);
      if (w === "local") local = ip;
      else remote = ip;
    } else if (w === "dev") dev = v() ?? null;
    else if (w === "nolearning") learning = false;
    else if (w === "learning") learning = true;
    else if (w === "external") external = true;
    else if (w === "noexternal") external = false;
    else if (w === "ttl" || w === "tos" || w === "ageing") v();
    else if (w === "srcport") {
      v();
      v();
    } else if (w === "udpcsum" || w === "noudpcsum") {
      // Checksums do not change a verdict in the model.
    } else return fail(`vxlan: unknown command "${w}"?`);
  }
  // ip/iplink_vxlan.c: a collect-metadata device takes its VNI from each packet's tunnel key.
  if (external && vni !== undefined)
    return fail("vxlan: both 'external' and vni cannot be specified");
  if (vni === undefined && !external) return fail("vxlan: missing virtual network identifier");
  let warning = "";
  if (dstport === undefined) {
    dstport = 8472;
    warning =
      "vxlan: destination port not specified\nWill use Linux kernel default (non-standard value)\nUse 'dstport 4789' to get the IANA assigned value\nUse 'dstport 0' to get default and quiet this message\n";
  } else if (dstport === 0) dstport = 8472;
  return ok({
    link: { kind: "vxlan", name, vni: vni ?? 0, dstport, local, remote, dev, learning, external },
    warning,
  });
}

/**
 * `type geneve id VNI remote ADDR [dstport P]` or `type geneve external [dstport P]`
 * (ip/iplink_geneve.c, geneve_parse_opt); the default port is IANA's 6081.
 */
function geneveArgs(name: string, args: Args): Result<TypeArgs> {
  let vni: number | undefined;
  let dstport = 6081;
  let remote: number | null = null;
  let external = false;
  while (!args.done) {
    const w = args.next() as string;
    if (w === "id" || w === "vni") {
      const text = args.next();
      if (text === undefined || !/^[0-9]+$/.test(text))
        return fail(`Error: argument "${text}" is wrong: invalid id`);
      vni = Number(text);
    } else if (w === "dstport") {
      const text = args.next();
      if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) > 65535)
        return fail(`Error: argument "${text}" is wrong: dstport`);
      dstport = Number(text);
    } else if (w === "remote") {
      const text = args.next() ?? "";
      const ip = parseIpv4(text);
      if (ip === null) return fail(`Error: inet address is expected rather than "${text}".`);
      remote = ip;
    } else if (w === "external") external = true;
    else if (w === "noexternal") external = false;
    else if (w === "ttl" || w === "tos" || w === "flowlabel") args.next();
    else if (!/^no?udp(csum|6zerocsumtx|6zerocsumrx)$/.test(w))
      return fail(`geneve: unknown command "${w}"?`);
  }
  if (external && vni !== undefined)
    return fail("geneve: both 'external' and vni cannot be specified");
  if (!external) {
    if (vni === undefined) return fail("geneve: missing virtual network identifier");
    if (remote === null) return fail("geneve: remote link partner not specified");
  }
  return ok({
    link: { kind: "geneve", name, vni: vni ?? 0, dstport, remote, external },
    warning: "",
  });
}

function set(world: World, ns: Netns, args: Args): Result<string> {
  let name = args.next();
  if (name === "dev") name = args.next();
  if (name === undefined) return fail(INCOMPLETE);
  const found = findLink(ns, name);
  if (!found.ok) return fail(deviceNotFound(name));
  const link = found.value;
  if (args.done) return fail(INCOMPLETE);
  while (!args.done) {
    const w = args.next() as string;
    let done: Result;
    if (w === "up") {
      setUp(world, ns, link);
      done = ok();
    } else if (w === "down") {
      setDown(world, ns, link);
      done = ok();
    } else if (w === "master") {
      const master = args.next();
      if (master === undefined) return fail(INCOMPLETE);
      done = setMaster(ns, link, master);
    } else if (w === "nomaster") done = setMaster(ns, link, null);
    else if (w === "mtu") {
      const v = args.next();
      if (v === undefined) return fail(INCOMPLETE);
      if (!/^[0-9]+$/.test(v))
        return fail(`Error: argument "${v}" is wrong: Invalid "mtu" value\n`);
      done = setMtu(ns, link, Number(v));
    } else if (w === "address") {
      const v = args.next() ?? "";
      const mac = parseMac(v);
      if (mac === null) return fail(`"${v}" is invalid lladdr.`);
      done = setAddress(ns, link, mac);
    } else if (w === "name") {
      const v = args.next();
      if (v === undefined) return fail(INCOMPLETE);
      done = rename(ns, link, v);
    } else if (w === "netns") {
      const v = args.next();
      if (v === undefined) return fail(INCOMPLETE);
      done = moveToNetns(world, ns, link, v);
    } else if (w === "arp" || w === "promisc" || w === "multicast" || w === "allmulticast") {
      const v = args.next();
      if (v !== "on" && v !== "off")
        return fail(`Error: argument "${v}" is wrong: "${w}" must be "on" or "off"`);
      // Only IFF_NOARP changes where a packet goes; the other flags are accepted and ignored.
      if (w === "arp") setArp(ns, link, v === "on");
      done = ok();
    } else return fail(garbage(w, "dev"));
    if (!done.ok) return done;
  }
  return ok("");
}
