import { formatIpv4, type Ipv4 } from "../ipv4";
import { formatMac, hexByte } from "../mac";

/**
 * FNV-1a, for device names and MACs that look random but replay identically. `from` continues
 * an earlier hash: `stableHash(b, stableHash(a))` is `stableHash(a + b)`, without making a + b.
 */
export function stableHash(text: string, from = 2166136261): number {
  let h = from;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

/** The low `digits` hex digits of n, zero-padded. */
export function hex(n: number, digits: number): string {
  if (digits < 1 || digits > 8 || n >>> 0 !== n)
    return n.toString(16).padStart(digits, "0").slice(-digits);
  // Four table lookups, not a number formatted in base 16: every pod's device name takes some.
  const all = hexByte(n >>> 24) + hexByte(n >>> 16) + hexByte(n >>> 8) + hexByte(n);
  return digits === 8 ? all : all.slice(8 - digits);
}

/**
 * `0a:58:` followed by the IPv4 address: the MAC the CNI plugins' `SetHWAddrByIP` gives a pod or
 * a VTEP, so it can be read straight from the address (0a:58:0a:f4:01:00 is 10.244.1.0).
 */
export function macFromIp(ip: Ipv4): string {
  return formatMac(0x0a, 0x58, ip >>> 24, ip >>> 16, ip >>> 8, ip);
}

/** The bridge plugin's host-side veth name: `veth` and 8 hex digits. */
export function vethName(pod: string): string {
  return `veth${hex(stableHash(pod), 8)}`;
}

/** Calico's host-side veth name: `cali` and 11 hex digits of a hash of the workload. */
export function caliName(pod: string): string {
  return `cali${hex(stableHash(pod), 8)}${hex(stableHash(`${pod}/eth0`), 3)}`;
}

export const ip = formatIpv4;
