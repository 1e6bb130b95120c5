import { formatIpv4, type Ipv4, networkOf, parseCidr } from "../ipv4";

/** A network: its first address and prefix length. */
export interface Cidr {
  readonly addr: Ipv4;
  readonly len: number;
}

/** A network written `a.b.c.d/len` (host bits are cleared); null if it is not one. */
export function cidrOf(text: string): Cidr | null {
  const c = parseCidr(text);
  if (c === null || !text.includes("/")) return null;
  return { addr: networkOf(c.ip, c.len), len: c.len };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  return networkOf(a.addr, len) === networkOf(b.addr, len);
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.addr)}/${c.len}`;
}
