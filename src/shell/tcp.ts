import type { ProbeResult } from "../sim";
import { formatIpv4 } from "../sim/ipv4";
import { unreachable } from "../sim/unreachable";
import { type Printed, stderr, Writer } from "./printed";

/** How a TCP connection attempt ended, as the client's socket saw it. */
export type Connection =
  | {
      readonly kind: "connected";
      /** The namespace whose (assumed) listener answered. */
      readonly server: string;
      /** The address and port the SYN arrived at there (after any Service translation). */
      readonly address: string;
      readonly port: number;
    }
  /** connect() failed with this errno text (`Connection refused`, `No route to host`…). */
  | {
      readonly kind: "failed";
      readonly error: string;
      /** How long connect() took to fail: at once, or after the ~3 s of a failed ARP. */
      readonly afterMs: number;
    }
  /** Nothing came back: the client waits until it gives up. */
  | { readonly kind: "silent" };

/** Reads a TCP probe's verdict as the connecting socket sees it. */
export function connectionOf(result: ProbeResult, from: string): Connection {
  if (result.request.delivered && result.reply.delivered) {
    const server = result.request.netns as string;
    const arrived = result.hops.find(
      (h) => h.kind === "deliver" && h.flow === "request" && !h.error && h.netns === server,
    );
    const packet = arrived && "l4" in arrived.packet ? arrived.packet : null;
    return {
      kind: "connected",
      server,
      address: packet ? formatIpv4(packet.dst) : "",
      port: packet?.l4.kind === "tcp" ? packet.l4.dport : 0,
    };
  }
  // The sim writes the errno as the client's report: `connect: Connection refused`.
  const drop = result.request.drop;
  const reported = drop?.reported ?? null;
  if (reported !== null)
    return { kind: "failed", error: reported.replace(/^\w+: /, ""), afterMs: 0 };
  // The sender's own ARP failed: after its 3 probes a second apart, connect() gets EHOSTUNREACH.
  if (drop?.reason === "neighbour-failed" && drop.netns === from)
    return { kind: "failed", error: "No route to host", afterMs: ARP_FAILURE_MS };
  return { kind: "silent" };
}

/** How long a failed ARP takes (3 solicitations a second apart, net.ipv4.neigh.*.mcast_solicit), as curl would time it. */
const ARP_FAILURE_MS = 3069;

/**
 * How long a connection attempt waits when nothing answers and no timeout was given: the
 * kernel's SYN retransmissions (net.ipv4.tcp_syn_retries = 6: 1 + 2 + 4 + … + 64 s = 127 s) and
 * the last wait. There is no clock in the simulator, so this is a fixed, plausible figure.
 */
const KERNEL_CONNECT_TIMEOUT_MS = 129843;

/** What a `curl` command line asks for. */
export interface CurlRequest {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  /** `-m`/`--connect-timeout`, whichever is shorter, in seconds; null when neither was given. */
  readonly timeout: number | null;
  /** `-s` without `-S`: errors are not printed. */
  readonly silent: boolean;
}

const CURL_HINT = "curl: try 'curl --help' or 'curl --manual' for more information\n";

/**
 * Reads `curl [-s] [-S] [-m S] [--connect-timeout S] [http://]HOST[:PORT][/PATH]` (curl 7.81's
 * messages and exit codes). Other options are refused with a note: the simulated server only
 * answers a plain GET.
 */
export function parseCurl(
  args: readonly string[],
  resolve: (name: string) => string | null,
): { ok: true; request: CurlRequest } | { ok: false; printed: Printed } {
  let silent = false;
  let showError = false;
  let timeout: number | null = null;
  let url: string | undefined;
  const setTimeout = (option: string, value: string | undefined): string | null => {
    if (value === undefined) return `curl: option ${option}: requires parameter\n${CURL_HINT}`;
    if (!/^\d+(\.\d+)?$/.test(value))
      return `curl: option ${option}: expected a proper numerical parameter\n${CURL_HINT}`;
    timeout = timeout === null ? Number(value) : Math.min(timeout, Number(value));
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    let problem: string | null = null;
    if (arg === "--silent") silent = true;
    else if (arg === "--show-error") showError = true;
    else if (arg === "--max-time" || arg === "--connect-timeout")
      problem = setTimeout(arg, args[++i]);
    else if (arg.startsWith("--max-time=") || arg.startsWith("--connect-timeout="))
      problem = setTimeout(arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
    else if (/^-[sSm4]+/.test(arg) && !arg.startsWith("--")) {
      for (let k = 1; k < arg.length; k++) {
        const letter = arg[k] as string;
        if (letter === "s") silent = true;
        else if (letter === "S") showError = true;
        else if (letter === "m") {
          problem = setTimeout("-m", k + 1 < arg.length ? arg.slice(k + 1) : args[++i]);
          break;
        } else if (letter !== "4") {
          problem = notModelled(`-${letter}`);
          break;
        }
      }
    } else if (arg.startsWith("-")) problem = notModelled(arg);
    else if (url !== undefined) problem = "podnet-learn: this curl fetches one URL at a time\n";
    else url = arg;
    if (problem !== null) return { ok: false, printed: stderr(problem, 2) };
  }
  if (url === undefined)
    return { ok: false, printed: stderr(`curl: no URL specified!\n${CURL_HINT}`, 2) };
  const parsed = parseUrl(url);
  if (!parsed.ok) return { ok: false, printed: stderr(parsed.message, parsed.status) };
  const ip = resolve(parsed.host);
  if (ip === null)
    return {
      ok: false,
      printed: stderr(
        silent && !showError ? "" : `curl: (6) Could not resolve host: ${parsed.host}\n`,
        6,
      ),
    };
  return {
    ok: true,
    request: { host: parsed.host, ip, port: parsed.port, timeout, silent: silent && !showError },
  };
}

function notModelled(option: string): string {
  return `podnet-learn: curl ${option} is not modelled here (-s, -S, -m and --connect-timeout are); the simulated server answers a plain GET\n`;
}

/** `http://HOST[:PORT][/PATH]` or `HOST[:PORT][/PATH]`: curl assumes http:// without a scheme. */
function parseUrl(
  url: string,
): { ok: true; host: string; port: number } | { ok: false; message: string; status: number } {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  const name = scheme ? (scheme[1] as string).toLowerCase() : "http";
  if (name === "https")
    return {
      ok: false,
      message:
        "podnet-learn: https is not modelled: the simulated server speaks plain HTTP (use http://)\n",
      status: 1,
    };
  if (name !== "http")
    return {
      ok: false,
      message: `curl: (1) Protocol "${name}" not supported or disabled in libcurl\n`,
      status: 1,
    };
  const rest = scheme ? url.slice(scheme[0].length) : url;
  const authority = rest.split(/[/?#]/, 1)[0] as string;
  const match = /^([^:@]+)(?::(\d*))?$/.exec(authority);
  const port = match?.[2] === undefined || match[2] === "" ? 80 : Number(match[2]);
  if (!match || port < 1 || port > 65535)
    return {
      ok: false,
      message: "curl: (3) URL using bad/illegal format or missing URL\n",
      status: 3,
    };
  return { ok: true, host: match[1] as string, port };
}

/**
 * What curl prints: the simulated server's one-line answer (it names itself and the address and
 * port the connection arrived at, so a Service's translation shows), or curl's error and exit
 * code: 7 when connect() failed, 28 when nothing answered.
 */
export function curlOutput(request: CurlRequest, connection: Connection): Printed {
  const w = new Writer();
  switch (connection.kind) {
    case "connected":
      w.out(`Hello from ${connection.server} (${connection.address}:${connection.port})\n`);
      return w.done(0);
    case "failed":
      if (!request.silent)
        w.err(
          `curl: (7) Failed to connect to ${request.host} port ${request.port} after ${connection.afterMs} ms: ${connection.error}\n`,
        );
      return w.done(7);
    case "silent":
      if (!request.silent)
        w.err(
          request.timeout !== null
            ? `curl: (28) Connection timed out after ${Math.round(request.timeout * 1000) + 1} milliseconds\n`
            : `curl: (28) Failed to connect to ${request.host} port ${request.port} after ${KERNEL_CONNECT_TIMEOUT_MS} ms: Connection timed out\n`,
        );
      return w.done(28);
    default:
      return unreachable(connection);
  }
}

/** What an `nc -z` command line asks for. */
export interface NcRequest {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly verbose: boolean;
  /** `-n`: no name lookups, so no service name for the port either. */
  readonly numeric: boolean;
  /** `-w S` was given: a silent connect times out instead of failing after the kernel gives up. */
  readonly waits: boolean;
}

const NC_USAGE =
  "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n";

/** Reads `nc -z [-v] [-n] [-w S] HOST PORT` (OpenBSD netcat, as Debian and Ubuntu ship it). */
export function parseNc(
  args: readonly string[],
  resolve: (name: string) => string | null,
): { ok: true; request: NcRequest } | { ok: false; printed: Printed } {
  let zero = false;
  let verbose = false;
  let numeric = false;
  let waits = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const letter = arg[k] as string;
      if (letter === "z") zero = true;
      else if (letter === "v") verbose = true;
      else if (letter === "n") numeric = true;
      else if (letter === "4") continue;
      else if (letter === "w") {
        const value = k + 1 < arg.length ? arg.slice(k + 1) : args[++i];
        if (value === undefined || !/^\d+$/.test(value))
          return fail(`nc: timeout ${value === undefined ? "missing" : `invalid: ${value}`}\n`);
        waits = true;
        break;
      } else if (letter === "u")
        return fail("podnet-learn: nc -u (UDP) is not modelled here; nc -z tests a TCP port\n");
      else return fail(`nc: invalid option -- '${letter}'\n${NC_USAGE}`);
    }
  }
  if (positional.length < 2) return fail(NC_USAGE);
  if (!zero)
    return fail(
      "podnet-learn: without -z nc would wait for you to type; use nc -zv HOST PORT to test a port\n",
    );
  const [host, portText] = positional as [string, string];
  if (positional.length > 2 || !/^\d+$/.test(portText))
    return fail(
      `podnet-learn: this nc tests one port at a time (nc -zv HOST PORT), not ${positional.slice(1).join(" ")}\n`,
    );
  const port = Number(portText);
  if (port < 1 || port > 65535) return fail(`nc: port number invalid: ${portText}\n`);
  const ip = resolve(host);
  if (ip === null)
    return fail(`nc: getaddrinfo for host "${host}" port ${portText}: Name or service not known\n`);
  return { ok: true, request: { host, ip, port, verbose, numeric, waits } };
}

function fail(message: string): { ok: false; printed: Printed } {
  return { ok: false, printed: stderr(message, 1) };
}

/** /etc/services names (netbase) for the ports a cluster's traffic commonly uses. */
const SERVICES: Record<number, string> = {
  22: "ssh",
  53: "domain",
  80: "http",
  179: "bgp",
  443: "https",
  3306: "mysql",
  5432: "postgresql",
  8080: "http-alt",
};

/**
 * What OpenBSD nc prints with -z (on stderr, and only with -v): `Connection to HOST PORT port
 * [tcp/NAME] succeeded!`, or why connect() failed; exit status 0 or 1.
 */
export function ncOutput(request: NcRequest, connection: Connection): Printed {
  const w = new Writer();
  const where = request.ip === request.host ? request.host : `${request.host} (${request.ip})`;
  switch (connection.kind) {
    case "connected": {
      const name = request.numeric ? "*" : (SERVICES[request.port] ?? "*");
      if (request.verbose)
        w.err(`Connection to ${where} ${request.port} port [tcp/${name}] succeeded!\n`);
      return w.done(0);
    }
    case "failed":
      if (request.verbose)
        w.err(`nc: connect to ${where} port ${request.port} (tcp) failed: ${connection.error}\n`);
      return w.done(1);
    case "silent":
      if (request.verbose)
        w.err(
          request.waits
            ? `nc: connect to ${where} port ${request.port} (tcp) timed out: Operation now in progress\n`
            : `nc: connect to ${where} port ${request.port} (tcp) failed: Connection timed out\n`,
        );
      return w.done(1);
    default:
      return unreachable(connection);
  }
}
