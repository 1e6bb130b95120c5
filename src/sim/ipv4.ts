/**
 * IPv4 addresses as unsigned 32-bit integers. The parser is strict on purpose: iproute2 accepts
 * `10.1` and octal-looking `010.1.1.1` in places, but a learner typing either almost always meant
 * something else, so only four decimal parts without leading zeros are an address here.
 */
export type Ipv4 = number;

export interface Prefix {
  /** Network address, host bits zero. */
  readonly addr: Ipv4;
  /** Prefix length 0–32. */
  readonly len: number;
}

const PART = /^(0|[1-9][0-9]{0,2})$/;

export function parseIpv4(text: string): Ipv4 | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!PART.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value >>> 0;
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function networkOf(ip: Ipv4, len: number): Ipv4 {
  return (ip & maskOf(len)) >>> 0;
}

export function inPrefix(ip: Ipv4, prefix: Prefix): boolean {
  return networkOf(ip, prefix.len) === prefix.addr;
}

export function broadcastOf(ip: Ipv4, len: number): Ipv4 {
  return (networkOf(ip, len) | (~maskOf(len) >>> 0)) >>> 0;
}

/** `a.b.c.d/len` with the address as typed (host bits may be set), or null. */
export function parseCidr(text: string): { ip: Ipv4; len: number } | null {
  const slash = text.indexOf("/");
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIpv4(ipText);
  if (ip === null) return null;
  if (slash < 0) return { ip, len: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]?)$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > 32) return null;
  return { ip, len };
}

/** How `ip route` prints a destination: `/32` is left out, as iproute2 does. */
export function formatPrefix(addr: Ipv4, len: number): string {
  return len === 32 ? formatIpv4(addr) : `${formatIpv4(addr)}/${len}`;
}
