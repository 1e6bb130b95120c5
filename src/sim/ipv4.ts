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

/** `.`, and the end of the text, which closes the last part as a dot would. */
const DOT = 46;

export function parseIpv4(text: string): Ipv4 | null {
  return parseIpv4Span(text, text.length);
}

/**
 * The address in `text` up to `end`, read one character at a time (no split, no regular
 * expression: the direct build parses some 2 million): four parts of one to three digits, no
 * leading zero but in `0` itself, each at most 255.
 */
function parseIpv4Span(text: string, end: number): Ipv4 | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || part > 255 || parts === 4) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c < 48 || c > 57 || digits === 3 || (digits > 0 && part === 0)) return null;
    else {
      part = part * 10 + (c - 48);
      digits++;
    }
  }
  return parts === 4 ? value >>> 0 : null;
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
  const ip = parseIpv4Span(text, slash < 0 ? text.length : slash);
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
