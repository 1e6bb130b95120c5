/** Ethernet addresses, kept as lower-case `aa:bb:cc:dd:ee:ff` strings (the form iproute2 prints). */
export type Mac = string;

export const BROADCAST_MAC: Mac = "ff:ff:ff:ff:ff:ff";
export const ZERO_MAC: Mac = "00:00:00:00:00:00";

const MAC = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

export function parseMac(text: string): Mac | null {
  if (isCanonical(text)) return text;
  if (!MAC.test(text)) return null;
  return text
    .split(":")
    .map((p) => p.toLowerCase().padStart(2, "0"))
    .join(":");
}

/**
 * Already in the form `parseMac` gives (six pairs of lower-case hex digits), as installers write
 * it: returned as it is.
 */
function isCanonical(text: string): boolean {
  if (text.length !== 17) return false;
  for (let i = 0; i < 17; i++) {
    const c = text.charCodeAt(i);
    const ok = i % 3 === 2 ? c === 58 : (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
    if (!ok) return false;
  }
  return true;
}

/** The kernel refuses a multicast (odd first octet) address for a device. */
export function isMulticastMac(mac: Mac): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** Each byte's two hex digits, made once: a large cluster formats a MAC for every device. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** A byte value's (modulo 256) two lower-case hex digits. */
export function hexByte(byte: number): string {
  return HEX_BYTES[byte & 255] as string;
}

/** `aa:bb:cc:dd:ee:ff` from six byte values (each taken modulo 256). */
export function formatMac(a: number, b: number, c: number, d: number, e: number, f: number): Mac {
  return [hexByte(a), hexByte(b), hexByte(c), hexByte(d), hexByte(e), hexByte(f)].join(":");
}

/**
 * The kernel gives new devices random locally administered addresses; a simulation that must replay
 * identically derives them from a counter instead (0x02 = locally administered, unicast).
 */
export function generatedMac(counter: number): Mac {
  return formatMac(0x02, 0x42, counter >>> 24, counter >>> 16, counter >>> 8, counter);
}
