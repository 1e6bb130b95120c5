import type { ProbeResult } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import type { Datagram } from "../sim/walk/packet";
import { type Printed, stderr, Writer } from "./printed";

/**
 * How many echo requests `ping` sends without `-c`. A real ping runs until Ctrl+C; a simulated
 * shell has no Ctrl+C, so it stops after three, enough to see replies (or their absence) repeat.
 * `help` and docs/node-shell.md say so.
 */
export const DEFAULT_PING_COUNT = 3;

/** The most echo requests one `ping` sends here (a real one would take that many seconds). */
const MAX_PING_COUNT = 100;

/** The largest payload in one IPv4 datagram: 65535 less the IP (20) and ICMP (8) headers. */
const MAX_SIZE = 65507;

/** What a `ping` command line asks for. */
export interface PingRequest {
  /** The destination as typed (a name or an address): ping prints it back. */
  readonly host: string;
  /** The address it resolved to. */
  readonly ip: string;
  /** Whether replies name the host: it was typed as a name, and without -n. */
  readonly named: boolean;
  readonly count: number;
  /** ICMP payload bytes (`-s`, default 56). */
  readonly size: number;
  /** `-M do`: Don't Fragment. */
  readonly df: boolean;
  /** `-q`: only the header and the statistics. */
  readonly quiet: boolean;
  /** `-i`: seconds between requests, in milliseconds. */
  readonly intervalMs: number;
}

const OPTIONS_WITH_VALUE = new Set(["c", "s", "M", "W", "w", "i"]);
const FLAGS = new Set(["n", "q", "4"]);

/**
 * Reads `ping [-c N] [-s SIZE] [-M do|dont|want] [-W S] [-w S] [-i S] [-n] [-q] [-4] DEST` as
 * iputils' ping would (its messages and exit statuses), with `resolve` standing for the resolver.
 */
export function parsePing(
  args: readonly string[],
  resolve: (name: string) => string | null,
): { ok: true; request: PingRequest } | { ok: false; printed: Printed } {
  let count = DEFAULT_PING_COUNT;
  let size = 56;
  let df = false;
  let quiet = false;
  let numeric = false;
  let intervalMs = 1000;
  let host: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      if (host !== undefined) return bad("ping: usage error: only one destination is allowed\n");
      host = arg;
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const letter = arg[k] as string;
      if (FLAGS.has(letter)) {
        if (letter === "q") quiet = true;
        if (letter === "n") numeric = true;
        continue;
      }
      if (!OPTIONS_WITH_VALUE.has(letter))
        return bad(
          `ping: invalid option -- '${letter}'\npodnet-learn: this ping takes -c, -s, -M, -W, -w, -i, -n, -q and -4\n`,
          2,
        );
      // The value is the rest of the word (`-c3`) or the next word (`-c 3`), as getopt reads it.
      const value = k + 1 < arg.length ? arg.slice(k + 1) : args[++i];
      if (value === undefined) return bad(`ping: option requires an argument -- '${letter}'\n`, 2);
      const problem = setOption(letter, value);
      if (problem !== null) return bad(problem, 2);
      break;
    }
  }
  function setOption(letter: string, value: string): string | null {
    const number = Number(value);
    switch (letter) {
      case "c":
        if (!/^\d+$/.test(value) || number < 1)
          return `ping: invalid argument: '${value}': out of range: 1 <= value <= 9223372036854775807\n`;
        if (number > MAX_PING_COUNT)
          return `podnet-learn: this ping sends at most ${MAX_PING_COUNT} requests (-c ${MAX_PING_COUNT})\n`;
        count = number;
        return null;
      case "s":
        if (!/^\d+$/.test(value)) return `ping: invalid argument: '${value}'\n`;
        if (number > MAX_SIZE)
          return `ping: packet size ${value} is too large. Maximum is ${MAX_SIZE}\n`;
        size = number;
        return null;
      case "M":
        // iputils: do = prohibit fragmentation; dont and want let the kernel fragment.
        if (value === "do" || value === "probe") df = true;
        else if (value === "dont" || value === "want") df = false;
        else return `ping: invalid -M argument: ${value}\n`;
        return null;
      case "W":
        if (!/^\d+(\.\d+)?$/.test(value)) return `ping: bad linger time: ${value}\n`;
        return null;
      case "w":
        if (!/^\d+$/.test(value)) return `ping: bad wait time: ${value}\n`;
        return null;
      case "i":
        if (!/^\d+(\.\d+)?$/.test(value)) return `ping: bad timing interval: ${value}\n`;
        intervalMs = Math.round(number * 1000);
        return null;
      default:
        return `ping: invalid option -- '${letter}'\n`;
    }
  }
  if (host === undefined) return bad("ping: usage error: Destination address required\n", 1);
  const ip = resolve(host);
  if (ip === null) return bad(`ping: ${host}: Name or service not known\n`, 2);
  // Replies name the host back unless it was typed as an address or -n says not to look names up.
  const named = ip !== host && !numeric;
  return { ok: true, request: { host, ip, named, count, size, df, quiet, intervalMs } };
}

function bad(message: string, status = 2): { ok: false; printed: Printed } {
  return { ok: false, printed: stderr(message, status) };
}

/**
 * Round-trip times, in microseconds, for the 1st, 2nd… reply (then again from the 2nd). The
 * simulator has no clock (it is pure, so a lesson replays identically), so the times are fixed:
 * sub-millisecond, as between VMs on one network, the first a little slower as a real first
 * packet is (neighbour lookups, cold caches).
 */
const RTT_US = [512, 431, 447, 423, 439];

function rttOf(seq: number): number {
  if (seq <= RTT_US.length) return RTT_US[seq - 1] as number;
  return RTT_US[1 + ((seq - 2) % (RTT_US.length - 1))] as number;
}

/**
 * What iputils' ping prints for `count` echo requests that each fare as the simulated one did
 * (the same ICMP id makes every request the same connection to conntrack, so they all take the
 * same path): the header, a line per reply or error, and the statistics block
 * (ping/ping_common.c: gather_statistics, finish). Exit status 0 with replies, 1 without, 2 when
 * the socket could not even send.
 */
export function pingOutput(request: PingRequest, result: ProbeResult, from: string): Printed {
  const w = new Writer();
  const drop = result.request.drop;
  const reported = drop?.reported ?? hostUnreachable(result, from);
  // connect() failed (no route, a broadcast address): ping stops before printing anything else.
  if (drop?.reason === "local-no-route" && reported !== null) {
    w.err(`${reported}\n`);
    return w.done(2);
  }
  const { host, ip, count, size } = request;
  w.out(`PING ${host} (${ip}) ${size}(${size + 28}) bytes of data.\n`);
  const answered = result.request.delivered && result.reply.delivered;
  const reply = answered ? replyDatagram(result, from) : null;
  let received = 0;
  let errors = 0;
  const times: number[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const at = (line: string): string => line.replace(/icmp_seq=1\b/, `icmp_seq=${seq}`);
    // Redirects and other ICMP heard on the way: the first request's, as the route is then cached.
    if (seq === 1 && !request.quiet)
      for (const line of result.icmpHeard) if (/^From \S+: /.test(line)) w.out(`${line}\n`);
    if (reply) {
      received++;
      const time = rttOf(seq);
      times.push(time);
      if (request.quiet) continue;
      const source = formatIpv4(reply.src);
      const who = request.named ? `${host} (${source})` : source;
      w.out(
        `${size + 8} bytes from ${who}: icmp_seq=${seq} ttl=${reply.ttl} time=${formatMs(time)} ms\n`,
      );
    } else if (reported?.startsWith("From ")) {
      errors++;
      if (!request.quiet) w.out(`${at(reported)}\n`);
    } else if (reported !== null) {
      // A local error on every send (message too long, no buffer space): printed, counted as sent.
      errors++;
      w.err(`${reported}\n`);
    }
  }
  const elapsed = (count - 1) * request.intervalMs + (count - 1);
  w.out(`\n--- ${host} ping statistics ---\n`);
  const loss = ((count - received) * 100) / count;
  w.out(
    `${count} packets transmitted, ${received} received${errors > 0 ? `, +${errors} errors` : ""}, ${formatG(loss)}% packet loss, time ${elapsed}ms\n`,
  );
  // A failed ARP answers the requests queued meanwhile all at once: ping saw up to 3 in flight.
  const pipe = drop?.reason === "neighbour-failed" && reported !== null ? Math.min(count, 3) : 1;
  if (received > 0) w.out(`${rttLine(times)}\n`);
  else w.out(pipe > 1 ? `pipe ${pipe}\n` : "\n");
  return w.done(received > 0 ? 0 : 1);
}

/**
 * When the sender's own ARP for the next hop fails, its kernel answers the socket with ICMP host
 * unreachable from the packet's source address, some 3 s later (ipv4_link_failure); the
 * simulator records the failed neighbour as the drop, and this is what ping prints for it.
 */
export function hostUnreachable(result: ProbeResult, from: string): string | null {
  const drop = result.request.drop;
  if (drop?.reason !== "neighbour-failed" || drop.netns !== from) return null;
  const hop = result.hops.find(
    (h) => h.kind === "drop" && h.flow === "request" && h.netns === from,
  );
  if (!hop) return null;
  const packet = "ip" in hop.packet ? hop.packet.ip : hop.packet;
  return `From ${formatIpv4(packet.src)} icmp_seq=1 Destination Host Unreachable`;
}

/** The echo reply as it reached the sender's socket (its source and its TTL after the hops). */
function replyDatagram(result: ProbeResult, from: string): Datagram | null {
  for (let i = result.hops.length - 1; i >= 0; i--) {
    const hop = result.hops[i];
    if (hop?.kind === "deliver" && hop.flow === "reply" && !hop.error && hop.netns === from)
      return "l4" in hop.packet ? hop.packet : null;
  }
  return null;
}

/** ping's time field: three decimals under 1 ms, two under 10, one under 100 (gather_statistics). */
function formatMs(us: number): string {
  if (us >= 100000 - 50) return String(Math.floor((us + 500) / 1000));
  if (us >= 10000 - 5) {
    const t = Math.floor((us + 50) / 100);
    return `${Math.floor(t / 10)}.${t % 10}`;
  }
  if (us >= 1000) {
    const t = Math.floor((us + 5) / 10);
    return `${Math.floor(t / 100)}.${String(t % 100).padStart(2, "0")}`;
  }
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, "0")}`;
}

/** `rtt min/avg/max/mdev`, with finish()'s integer arithmetic (mdev: integer square root). */
function rttLine(times: readonly number[]): string {
  const total = times.length;
  const sum = times.reduce((a, b) => a + b, 0);
  const sum2 = times.reduce((a, b) => a + b * b, 0);
  const avg = Math.floor(sum / total);
  const variance = Math.trunc((sum2 - Math.floor((sum * sum) / total)) / total);
  const mdev = Math.floor(Math.sqrt(variance));
  const ms = (us: number): string =>
    `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, "0")}`;
  return `rtt min/avg/max/mdev = ${ms(Math.min(...times))}/${ms(avg)}/${ms(Math.max(...times))}/${ms(mdev)} ms`;
}

/** printf's `%g` for a loss percentage (six significant digits, no trailing zeros). */
function formatG(value: number): string {
  return String(Number(value.toPrecision(6)));
}
