import { ipvsOf } from "../ipvs/state";
import type { InterfaceConf, Netns } from "../model";
import { confOf, touch } from "./netns";
import { fail, ok, type Result } from "./result";

const CONF_KEYS: Record<string, keyof InterfaceConf> = {
  forwarding: "forwarding",
  proxy_arp: "proxyArp",
  send_redirects: "sendRedirects",
  route_localnet: "routeLocalnet",
  rp_filter: "rpFilter",
};

/** IPVS keeps netfilter conntrack for its connections (ip_vs_ctl.c, sysctl_conntrack). */
const IPVS_CONNTRACK = "net.ipv4.vs.conntrack";

function noSuchKey(key: string): string {
  return `sysctl: cannot stat /proc/sys/${key.replaceAll(".", "/")}: No such file or directory`;
}

function parseFlag(value: string, key: string): Result<number> {
  if (!/^-?[0-9]+$/.test(value.trim()))
    return fail(`sysctl: setting key "${key}": Invalid argument`);
  return ok(Number(value.trim()));
}

/** `sysctl -w KEY=VALUE` for the keys that change how a packet moves. */
/**
 * A key's components. procps accepts `net.ipv4.conf.eth0.proxy_arp` and `net/ipv4/conf/eth0/…`;
 * an interface name with a dot is written with a slash in the dotted form
 * (`net.ipv4.conf.flannel/1.proxy_arp`), as sysctl(8) documents.
 */
export function sysctlParts(key: string): string[] {
  if (key.startsWith("net/")) return key.split("/");
  const parts = key.split(".");
  return key.includes("/") ? parts.map((part) => part.replaceAll("/", ".")) : parts;
}

/** The dotted form of a key (`net.ipv4.conf.flannel.1.proxy_arp` for either spelling). */
function normalKey(key: string, parts: readonly string[]): string {
  return key.includes("/") ? parts.join(".") : key;
}

/** Real keys the model has no use for: accepting them silently would pretend they matter. */
const UNMODELLED =
  /^net\.ipv4\.(conf\.[^.]+\.(accept_redirects|secure_redirects|arp_ignore|arp_announce|arp_filter|accept_local|log_martians|promote_secondaries|ignore_routes_with_linkdown)|tcp_|udp_|icmp_|ping_group_range|ip_local_port_range|vs\.(?!conntrack$))/;

export function setSysctl(ns: Netns, key: string, value: string): Result {
  touch(ns);
  const parts = sysctlParts(key);
  const normal = normalKey(key, parts);
  if (UNMODELLED.test(normal))
    return fail(`podnet-learn: ${key} is a real setting the simulator does not model`);
  const parsed = parseFlag(value, key);
  if (normal === "net.ipv4.ip_forward" || normal === "net.ipv4.conf.all.forwarding") {
    if (!parsed.ok) return parsed;
    // Writing either rewrites `forwarding` on every interface and on `default` (devinet.c).
    const on = parsed.value !== 0;
    ns.sysctl.ipForward = on;
    setForwardingEverywhere(ns, on);
    return ok();
  }
  if (normal === "net.bridge.bridge-nf-call-iptables") {
    if (!parsed.ok) return parsed;
    ns.sysctl.bridgeNfCallIptables = parsed.value !== 0;
    return ok();
  }
  if (normal === IPVS_CONNTRACK) {
    // /proc/sys/net/ipv4/vs/ exists once the ip_vs module serves the namespace; the simulator
    // treats it as loaded (ipvsadm and kube-proxy load it on first use).
    if (!parsed.ok) return parsed;
    ipvsOf(ns).conntrack = parsed.value !== 0;
    return ok();
  }
  if (
    parts.length === 5 &&
    parts[0] === "net" &&
    parts[1] === "ipv4" &&
    (parts[2] === "conf" || parts[2] === "neigh")
  ) {
    const dev = parts[3] as string;
    const field = parts[4] as string;
    const conf = ns.sysctl.conf.get(dev);
    if (!conf) return fail(noSuchKey(key));
    if (!parsed.ok) return parsed;
    if (parts[2] === "neigh") {
      if (field !== "proxy_delay") return fail(noSuchKey(key));
      ns.sysctl.conf.set(dev, { ...conf, proxyDelay: parsed.value });
      return ok();
    }
    const prop = CONF_KEYS[field];
    if (!prop) return fail(noSuchKey(key));
    if (prop === "rpFilter") {
      if (parsed.value < 0 || parsed.value > 2)
        return fail(`sysctl: setting key "${key}": Invalid argument`);
      ns.sysctl.conf.set(dev, { ...conf, rpFilter: parsed.value as 0 | 1 | 2 });
    } else if (
      prop === "forwarding" ||
      prop === "proxyArp" ||
      prop === "sendRedirects" ||
      prop === "routeLocalnet"
    )
      ns.sysctl.conf.set(dev, { ...conf, [prop]: parsed.value !== 0 });
    return ok();
  }
  return fail(noSuchKey(key));
}

/**
 * `forwarding` on every row, `all` and `default` too. Rows are shared between devices (see
 * `InterfaceConf`), so each distinct row is rewritten once and stays shared.
 */
function setForwardingEverywhere(ns: Netns, on: boolean): void {
  const rows = ns.sysctl.conf;
  const rewritten = new Map<InterfaceConf, InterfaceConf>();
  for (const [dev, row] of rows) {
    let next = rewritten.get(row);
    if (!next) {
      next = row.forwarding === on ? row : { ...row, forwarding: on };
      rewritten.set(row, next);
    }
    rows.set(dev, next);
  }
}

/** The value `sysctl KEY` prints, or null for an unknown key. */
export function getSysctl(ns: Netns, key: string): string | null {
  const parts = sysctlParts(key);
  const normal = normalKey(key, parts);
  if (normal === "net.ipv4.ip_forward") return ns.sysctl.ipForward ? "1" : "0";
  if (normal === "net.bridge.bridge-nf-call-iptables")
    return ns.sysctl.bridgeNfCallIptables ? "1" : "0";
  if (normal === IPVS_CONNTRACK) return ns.ipvs?.conntrack ? "1" : "0";
  if (
    parts.length === 5 &&
    parts[1] === "ipv4" &&
    parts[2] === "conf" &&
    ns.sysctl.conf.has(parts[3] as string)
  ) {
    const prop = CONF_KEYS[parts[4] as string];
    const conf = confOf(ns, parts[3] as string);
    if (prop === "rpFilter") return String(conf.rpFilter);
    if (prop) return conf[prop] ? "1" : "0";
  }
  if (
    parts.length === 5 &&
    parts[2] === "neigh" &&
    parts[4] === "proxy_delay" &&
    ns.sysctl.conf.has(parts[3] as string)
  )
    return String(confOf(ns, parts[3] as string).proxyDelay);
  return null;
}

/** Effective settings for one interface, as the kernel combines them (IN_DEV_ORCONF / MAXCONF). */
export function effectiveConf(
  ns: Netns,
  dev: string,
): {
  forwarding: boolean;
  proxyArp: boolean;
  rpFilter: number;
  sendRedirects: boolean;
  routeLocalnet: boolean;
} {
  const all = confOf(ns, "all");
  const own = confOf(ns, dev);
  return {
    forwarding: own.forwarding,
    proxyArp: all.proxyArp || own.proxyArp,
    rpFilter: Math.max(all.rpFilter, own.rpFilter),
    sendRedirects: all.sendRedirects || own.sendRedirects,
    routeLocalnet: all.routeLocalnet || own.routeLocalnet,
  };
}
