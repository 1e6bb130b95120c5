import { formatIpv4, parseCidr, parseIpv4 } from "../ipv4";
import type { Netns, RouteType, World } from "../model";
import { renderIpRoute } from "../render";
import { fail, ok, type Result } from "../state/result";
import { addRoute, deleteRoute, type RouteMode, type RouteSpec } from "../state/routes";
import { unreachable } from "../unreachable";
import { lookupRoute, ROUTE_ERROR_TEXT } from "../walk/route";
import type { IpOptions } from "./ip";
import { type Args, garbage, INCOMPLETE, matches } from "./tokenize";

const TYPES: readonly RouteType[] = ["unicast", "blackhole", "unreachable", "prohibit"];

/** `ip route add|del|replace|append|change|show|get|flush`. */
export function runIpRoute(
  world: World,
  ns: Netns,
  args: Args,
  options: IpOptions,
): Result<string> {
  void options;
  const sub = args.next();
  if (sub === undefined || matches(sub, "show") || matches(sub, "list")) {
    let dev: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
      else if (w === "table") {
        const t = args.next();
        if (t !== "main" && t !== "254")
          return fail(`podnet-learn: only the main table is modelled, not "${t}"`);
      }
    }
    if (dev !== undefined && !ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
    return ok(renderIpRoute(world, ns, { dev }));
  }
  if (matches(sub, "get")) return routeGet(world, ns, args);
  if (matches(sub, "flush")) {
    // The simulator keeps no route cache (each probe starts without learned PMTUs or redirects).
    if (args.peek() === "cache") return ok("");
    let dev: string | undefined;
    while (!args.done) {
      const w = args.next() as string;
      if (w === "dev") dev = args.next();
    }
    if (dev === undefined) return fail('podnet-learn: "ip route flush" needs "dev DEV" here');
    if (!ns.links.has(dev)) return fail(`Cannot find device "${dev}"`);
    ns.routes.removeWhere((r) => r.dev === dev);
    return ok("");
  }
  const mode: RouteMode | "del" | null = matches(sub, "add")
    ? "add"
    : matches(sub, "replace")
      ? "replace"
      : matches(sub, "append")
        ? "append"
        : matches(sub, "change")
          ? "change"
          : matches(sub, "delete")
            ? "del"
            : null;
  if (mode === null) return fail(`Command "${sub}" is unknown, try "ip route help".`);
  const spec = parseRouteSpec(args);
  if (!spec.ok) return spec;
  const done = mode === "del" ? deleteRoute(ns, spec.value) : addRoute(ns, spec.value, mode);
  return done.ok ? ok("") : done;
}

/** The words after `ip route add`: `[TYPE] PREFIX [via GW] [dev D] [onlink] [proto P] …`. */
export function parseRouteSpec(args: Args): Result<RouteSpec> {
  const spec: RouteSpec = {
    type: "unicast",
    dst: 0,
    len: 0,
    gateway: null,
    dev: null,
    onlink: false,
    proto: null,
    scope: null,
    src: null,
    metric: null,
  };
  let haveDst = false;
  const value = (): Result<string> => {
    const v = args.value();
    return v === undefined ? fail(INCOMPLETE) : ok(v);
  };
  while (!args.done) {
    const w = args.next() as string;
    if (w === "via") {
      let v = value();
      if (!v.ok) return v;
      if (v.value === "inet") {
        v = value();
        if (!v.ok) return v;
      }
      const gw = parseIpv4(v.value);
      if (gw === null) return fail(`Error: inet address is expected rather than "${v.value}".`);
      spec.gateway = gw;
    } else if (w === "dev" || w === "oif") {
      const v = value();
      if (!v.ok) return v;
      spec.dev = v.value;
    } else if (w === "onlink") spec.onlink = true;
    else if (w === "proto" || w === "protocol") {
      const v = value();
      if (!v.ok) return v;
      spec.proto = v.value;
    } else if (w === "scope") {
      const v = value();
      if (!v.ok) return v;
      if (
        v.value !== "global" &&
        v.value !== "link" &&
        v.value !== "host" &&
        v.value !== "universe"
      )
        return fail(`Error: argument "${v.value}" is wrong: invalid "scope" value`);
      spec.scope = v.value === "universe" ? "global" : v.value;
    } else if (w === "src") {
      const v = value();
      if (!v.ok) return v;
      const ip = parseIpv4(v.value);
      if (ip === null) return fail(`Error: inet address is expected rather than "${v.value}".`);
      spec.src = ip;
    } else if (w === "metric" || w === "priority" || w === "preference") {
      const v = value();
      if (!v.ok) return v;
      if (!/^[0-9]+$/.test(v.value) || Number(v.value) > 0xffffffff)
        return fail(`Error: argument "${v.value}" is wrong: "metric" value is invalid`);
      spec.metric = Number(v.value);
    } else if (w === "table") {
      const v = value();
      if (!v.ok) return v;
      if (v.value !== "main" && v.value !== "254")
        return fail(`podnet-learn: only the main table is modelled, not "${v.value}"`);
    } else if (!haveDst && (TYPES as readonly string[]).includes(w) && w !== "unicast") {
      spec.type = w as RouteType;
    } else if (!haveDst && w === "unicast") {
      spec.type = "unicast";
    } else if (!haveDst) {
      const text = w === "to" ? (args.next() ?? "") : w;
      if (text === "default" || text === "all" || text === "any") {
        spec.dst = 0;
        spec.len = 0;
      } else {
        const cidr = parseCidr(text);
        if (cidr === null)
          return fail(`Error: any valid prefix is expected rather than "${text}".`);
        spec.dst = cidr.ip;
        spec.len = cidr.len;
      }
      haveDst = true;
    } else return fail(garbage(w));
  }
  if (!haveDst) return fail(INCOMPLETE);
  return ok(spec);
}

/** `ip route get IP`: the decision for a packet this namespace would send. */
function routeGet(world: World, ns: Netns, args: Args): Result<string> {
  let target: string | undefined;
  while (!args.done) {
    const w = args.next() as string;
    if (w === "from" || w === "iif" || w === "oif" || w === "mark")
      return fail(`podnet-learn: "ip route get … ${w}" is not modelled`);
    if (w === "to") target = args.next();
    else if (target === undefined) target = w;
    else return fail(garbage(w));
  }
  if (target === undefined) return fail(INCOMPLETE);
  const dst = parseIpv4(target.replace(/\/32$/, ""));
  if (dst === null) return fail(`Error: inet prefix is expected rather than "${target}".`);
  return renderRouteGet(world, ns, dst);
}

export function renderRouteGet(world: World, ns: Netns, dst: number): Result<string> {
  const decision = lookupRoute(world, ns, dst);
  const d = formatIpv4(dst);
  switch (decision.kind) {
    case "local":
      return ok(`local ${d} dev lo src ${formatIpv4(decision.src)} uid 0 \n    cache <local> \n`);
    case "broadcast":
      return ok(
        `broadcast ${d} dev ${decision.dev} src ${decision.src === null ? "0.0.0.0" : formatIpv4(decision.src)} uid 0 \n    cache <local,brd> \n`,
      );
    case "unicast": {
      const via = decision.gateway === null ? "" : `via ${formatIpv4(decision.gateway)} `;
      const src = decision.src === null ? "" : `src ${formatIpv4(decision.src)} `;
      return ok(`${d} ${via}dev ${decision.dev} ${src}uid 0 \n    cache \n`);
    }
    case "error":
      return fail(`RTNETLINK answers: ${ROUTE_ERROR_TEXT[decision.error]}`);
    default:
      return unreachable(decision);
  }
}
