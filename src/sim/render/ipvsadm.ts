/**
 * `ipvsadm -Ln` and `ipvsadm -Sn` as ipvsadm 1.31 prints them (ipvsadm.c: list_all,
 * print_title, print_service_entry): the version line from the kernel (IP_VS_VERSION_CODE 1.2.1,
 * a connection table of 2^12 = 4096 buckets by default), services and real servers sorted by
 * libipvs (ipvs_cmp_services, ipvs_cmp_dests), and the counters, which the world does not keep
 * (connections are the walk's), at 0.
 */
import { formatIpv4 } from "../ipv4";
import type { IpvsDest, IpvsForward, IpvsService, IpvsState } from "../ipvs/state";
import { unreachable } from "../unreachable";

export const IPVS_VERSION_LINE = "IP Virtual Server version 1.2.1 (size=4096)";

const TITLE =
  "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";

/** fwd_name: the Forward column. */
export function forwardName(f: IpvsForward): string {
  switch (f) {
    case "masq":
      return "Masq";
    case "route":
      return "Route";
    case "tunnel":
      return "Tunnel";
    default:
      return unreachable(f);
  }
}

/** fwd_switch: the option `-S` writes for the method. */
function forwardSwitch(f: IpvsForward): string {
  switch (f) {
    case "masq":
      return "-m";
    case "route":
      return "-g";
    case "tunnel":
      return "-i";
    default:
      return unreachable(f);
  }
}

/**
 * libipvs compares addresses as `int r = ntohl(a) - ntohl(b)`: the unsigned difference read as a
 * signed int, so two addresses more than 2^31 apart sort the "wrong" way round (192.168.1.11
 * before 10.96.0.80), as on a real node.
 */
function addressOrder(a: number, b: number): number {
  return (a - b) | 0;
}

const PROTOCOL_NUMBER = { TCP: 6, UDP: 17 } as const;

/** ipvs_cmp_services: fwmark, family, protocol, address, port. */
function compareServices(a: IpvsService, b: IpvsService): number {
  return (
    PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol] ||
    addressOrder(a.vip, b.vip) ||
    a.port - b.port
  );
}

/** ipvs_cmp_dests: address, then port. */
function compareDests(a: IpvsDest, b: IpvsDest): number {
  return addressOrder(a.ip, b.ip) || a.port - b.port;
}

function sortedServices(state: IpvsState | undefined): IpvsService[] {
  return [...(state?.services.values() ?? [])].sort(compareServices);
}

/** `%-Ns`: left-justified, padded with spaces to at least N characters. */
function pad(text: string, width: number): string {
  return text.padEnd(width, " ");
}

function serviceLine(svc: IpvsService): string {
  // sprintf("%s  %s") then svc_name[33] = '\0' for IPv4: at most 33 characters.
  const name = `${svc.protocol}  ${formatIpv4(svc.vip)}:${svc.port}`.slice(0, 33);
  let line = `${name} ${svc.scheduler}`;
  if (svc.persistent !== null) {
    line += ` persistent ${svc.persistent}`;
    if (svc.netmask !== 0xffffffff) line += ` mask ${formatIpv4(svc.netmask)}`;
  }
  return `${line}\n`;
}

function destLine(d: IpvsDest): string {
  // "  -> %-28s %-7s %-6d %-10u %-10u\n", the name cut at 28 characters (dname[28] = '\0').
  const name = `${formatIpv4(d.ip)}:${d.port}`.slice(0, 28);
  return `  -> ${pad(name, 28)} ${pad(forwardName(d.forward), 7)} ${pad(String(d.weight), 6)} ${pad("0", 10)} ${pad("0", 10)}\n`;
}

function entry(svc: IpvsService): string {
  return serviceLine(svc) + [...svc.dests].sort(compareDests).map(destLine).join("");
}

/**
 * `ipvsadm -Ln` (every service, after the version line) or `ipvsadm -Ln -t|-u VIP:PORT`
 * (list_service: the title and that service only).
 */
export function renderIpvsadmList(state: IpvsState | undefined, only?: IpvsService): string {
  if (only) return TITLE + entry(only);
  return `${IPVS_VERSION_LINE}\n${TITLE}${sortedServices(state).map(entry).join("")}`;
}

/** `ipvsadm -Sn`: the table as the commands that rebuild it (FMT_RULE). */
export function renderIpvsadmSave(state: IpvsState | undefined): string {
  let out = "";
  for (const svc of sortedServices(state)) {
    const name = `${svc.protocol === "TCP" ? "-t" : "-u"} ${formatIpv4(svc.vip)}:${svc.port}`;
    out += `-A ${name} -s ${svc.scheduler}`;
    if (svc.persistent !== null) {
      out += ` -p ${svc.persistent}`;
      if (svc.netmask !== 0xffffffff) out += ` -M ${formatIpv4(svc.netmask)}`;
    }
    out += "\n";
    for (const d of [...svc.dests].sort(compareDests))
      out += `-a ${name} -r ${formatIpv4(d.ip)}:${d.port} ${forwardSwitch(d.forward)} -w ${d.weight}\n`;
  }
  return out;
}
