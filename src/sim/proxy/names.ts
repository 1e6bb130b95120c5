/**
 * kube-proxy's chain names (pkg/proxy/iptables/proxier.go, portProtoHash): the first 16
 * characters of base32(sha256(servicePortName + protocol)), so `KUBE-SVC-…` here is the name a
 * real node shows for the same Service (kube-system/kube-dns:dns udp → KUBE-SVC-TCOU7JCQXEZGVUNU).
 */
import type { PlannedService, PlannedServicePort } from "../cluster/services";

/** `namespace/name:portName` (no `:` part for an unnamed port): ServicePortName.String(). */
export function servicePortName(svc: PlannedService, port: PlannedServicePort): string {
  return `${svc.namespace}/${svc.name}${port.name === "" ? "" : `:${port.name}`}`;
}

function portProtoHash(text: string): string {
  return base32(sha256(text)).slice(0, 16);
}

/** KUBE-SVC-…: the Service port's chain (Cluster traffic policy). */
export function svcChain(svc: PlannedService, port: PlannedServicePort): string {
  return `KUBE-SVC-${portProtoHash(servicePortName(svc, port) + port.protocol.toLowerCase())}`;
}

/** KUBE-SVL-…: the chain of the Service port's local endpoints (Local traffic policy). */
export function svlChain(svc: PlannedService, port: PlannedServicePort): string {
  return `KUBE-SVL-${portProtoHash(servicePortName(svc, port) + port.protocol.toLowerCase())}`;
}

/** KUBE-EXT-…: where NodePort traffic enters. */
export function extChain(svc: PlannedService, port: PlannedServicePort): string {
  return `KUBE-EXT-${portProtoHash(servicePortName(svc, port) + port.protocol.toLowerCase())}`;
}

/** KUBE-SEP-…: one endpoint (`ip:port`) of a Service port (servicePortEndpointChainName). */
export function sepChain(svc: PlannedService, port: PlannedServicePort, endpoint: string): string {
  return `KUBE-SEP-${portProtoHash(servicePortName(svc, port) + port.protocol.toLowerCase() + endpoint)}`;
}

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * SHA-256 (FIPS 180-4) of a string's UTF-8 bytes. The simulator imports nothing from Node, so
 * the hash is computed here; names are a few dozen bytes, so speed does not matter.
 */
export function sha256(text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const bitLen = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  view.setUint32(padded.length - 4, bitLen >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[];
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e as number, 6) ^ rotr(e as number, 11) ^ rotr(e as number, 25);
      const ch = ((e as number) & (f as number)) ^ (~(e as number) & (g as number));
      const t1 = ((hh as number) + s1 + ch + (K[i] as number) + (w[i] as number)) >>> 0;
      const s0 = rotr(a as number, 2) ^ rotr(a as number, 13) ^ rotr(a as number, 22);
      const maj =
        ((a as number) & (b as number)) ^
        ((a as number) & (c as number)) ^
        ((b as number) & (c as number));
      const t2 = (s0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = ((d as number) + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const add = [a, b, c, d, e, f, g, hh] as number[];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (add[i] as number)) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i] as number);
  return out;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 (Go's base32.StdEncoding), without the padding the 16-character prefix never reaches. */
export function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * kube-proxy nftables mode's chain name bases (pkg/proxy/nftables/proxier.go, hashAndTruncate):
 * the first 8 characters of base32(sha256(name)), a dash, then the name itself, cut to 240
 * characters (knftables' 256 less room for the longest prefix). The name is
 * `namespace/service/protocol/portName` for a Service port, plus `__IP/port` for an endpoint.
 */
function hashAndTruncate(name: string): string {
  const out = `${base32(sha256(name)).slice(0, 8)}-${name}`;
  return out.length > 240 ? `${out.slice(0, 237)}...` : out;
}

function nftPortBase(svc: PlannedService, port: PlannedServicePort): string {
  return `${svc.namespace}/${svc.name}/${port.protocol.toLowerCase()}/${port.name}`;
}

/** `service-…`, `local-…`, `external-…`: a Service port's chains in nftables mode. */
export function nftServiceChain(
  prefix: "service" | "local" | "external",
  svc: PlannedService,
  port: PlannedServicePort,
): string {
  return `${prefix}-${hashAndTruncate(nftPortBase(svc, port))}`;
}

/** `endpoint-…`: one endpoint (`ip:port`) of a Service port in nftables mode. */
export function nftEndpointChain(
  svc: PlannedService,
  port: PlannedServicePort,
  ip: string,
  targetPort: number,
): string {
  return `endpoint-${hashAndTruncate(`${nftPortBase(svc, port)}__${ip}/${targetPort}`)}`;
}
