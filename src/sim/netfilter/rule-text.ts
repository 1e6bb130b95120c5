import { formatIpv4 } from "../ipv4";
import { unreachable } from "../unreachable";
import {
  type AddressMatch,
  type MatchExtension,
  type PortMatch,
  protoName,
  type Rule,
  type Target,
} from "./model";

const ICMP_NAMES: Record<string, string> = { "0": "0", "3": "3", "8": "8", "11": "11" };

function address(flag: string, m: AddressMatch | null): string[] {
  if (m === null) return [];
  return [`${m.negated ? "! " : ""}${flag} ${formatIpv4(m.addr)}/${m.len}`];
}

function ports(flag: string, p: PortMatch | undefined): string[] {
  if (!p) return [];
  return [`${p.negated ? "! " : ""}${flag} ${p.from === p.to ? p.from : `${p.from}:${p.to}`}`];
}

function quote(text: string): string {
  return /^[A-Za-z0-9_.:/-]+$/.test(text) ? text : `"${text.replaceAll('"', '\\"')}"`;
}

function extension(m: MatchExtension): string {
  switch (m.kind) {
    case "tcp":
    case "udp":
      return [
        "-m",
        m.kind,
        ...ports("--sport", m.sport),
        ...ports("--dport", m.dport),
        ...(m.kind === "tcp" && m.syn
          ? [`${m.syn.negated ? "! " : ""}--tcp-flags FIN,SYN,RST,ACK SYN`]
          : []),
      ].join(" ");
    case "icmp":
      return `-m icmp ${m.negated ? "! " : ""}--icmp-type ${m.type === null ? "any" : `${ICMP_NAMES[String(m.type)] ?? m.type}${m.code === null ? "" : `/${m.code}`}`}`;
    case "comment":
      return `-m comment --comment ${quote(m.text)}`;
    case "statistic":
      return `-m statistic --mode random ${m.negated ? "! " : ""}--probability ${m.probability.toFixed(11)}`;
    case "conntrack":
      return `-m conntrack ${m.negated ? "! " : ""}--ctstate ${m.states.join(",")}`;
    case "addrtype":
      return [
        "-m addrtype",
        m.srcType ? `${m.negatedSrc ? "! " : ""}--src-type ${m.srcType}` : "",
        m.dstType ? `${m.negatedDst ? "! " : ""}--dst-type ${m.dstType}` : "",
      ]
        .filter(Boolean)
        .join(" ");
    case "mark":
      return `-m mark ${m.negated ? "! " : ""}--mark 0x${m.value.toString(16)}${m.mask === 0xffffffff ? "" : `/0x${m.mask.toString(16)}`}`;
    default:
      return unreachable(m);
  }
}

function target(t: Target): string {
  switch (t.kind) {
    case "none":
      return "";
    case "ACCEPT":
    case "DROP":
    case "RETURN":
      return `-j ${t.kind}`;
    case "REJECT":
      return `-j REJECT --reject-with ${t.with}`;
    case "jump":
      return `-j ${t.chain}`;
    case "goto":
      return `-g ${t.chain}`;
    case "DNAT":
      return `-j DNAT --to-destination ${formatIpv4(t.ip)}${t.port === null ? "" : `:${t.port}`}`;
    case "SNAT":
      return `-j SNAT --to-source ${formatIpv4(t.ip)}${t.port === null ? "" : `:${t.port}`}`;
    case "MASQUERADE":
      return `-j MASQUERADE${t.randomFully ? " --random-fully" : ""}`;
    case "MARK":
      return t.op === "set"
        ? `-j MARK --set-xmark 0x${t.value.toString(16)}/0x${t.mask.toString(16)}`
        : `-j MARK --${t.op}-mark 0x${t.value.toString(16)}`;
    default:
      return unreachable(t);
  }
}

/**
 * A rule as `iptables-save` prints it after `-A CHAIN`: addresses, interfaces and protocol first,
 * then the match extensions in the order given, then the target (iptables' save order).
 */
export function ruleText(rule: Rule): string {
  const parts = [
    ...address("-s", rule.src),
    ...address("-d", rule.dst),
    ...(rule.inIface ? [`${rule.inIface.negated ? "! " : ""}-i ${rule.inIface.name}`] : []),
    ...(rule.outIface ? [`${rule.outIface.negated ? "! " : ""}-o ${rule.outIface.name}`] : []),
    ...(rule.proto ? [`${rule.proto.negated ? "! " : ""}-p ${protoName(rule.proto.number)}`] : []),
    ...rule.matches.map(extension),
    target(rule.target),
  ];
  return parts.filter((p) => p !== "").join(" ");
}
