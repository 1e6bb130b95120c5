/** Ethernet addresses, kept as lower-case `aa:bb:cc:dd:ee:ff` strings (the form iproute2 prints). */
export type Mac = string;

export const BROADCAST_MAC: Mac = "ff:ff:ff:ff:ff:ff";
export const ZERO_MAC: Mac = "00:00:00:00:00:00";

const MAC = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

export function parseMac(text: string): Mac | null {
  if (!MAC.test(text)) return null;
  return text
    .split(":")
    .map((p) => p.toLowerCase().padStart(2, "0"))
    .join(":");
}

/** The kernel refuses a multicast (odd first octet) address for a device. */
export function isMulticastMac(mac: Mac): boolean {
  return (Number.parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/**
 * The kernel gives new devices random locally administered addresses; a simulation that must replay
 * identically derives them from a counter instead (0x02 = locally administered, unicast).
 */
export function generatedMac(counter: number): Mac {
  const bytes = [
    0x02,
    0x42,
    (counter >>> 24) & 255,
    (counter >>> 16) & 255,
    (counter >>> 8) & 255,
    counter & 255,
  ];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
