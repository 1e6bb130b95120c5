/**
 * Places in words, as an SRE names them: "node2: iptables filter INPUT drops it (-A INPUT -p udp
 * -m udp --dport 8472 -j DROP)", "router: no route to 10.244.2.5". Made from the trace of the
 * probe that ended there, in English and Korean.
 */
import type { ProbeResult } from "../sim";
import { unreachable } from "../sim/unreachable";
import type { Localized, QuizPlace } from "./types";

/** What a drop reason means, in a few words (`node2: …`). */
function reasonWords(reason: string, message: string): Localized {
  switch (reason) {
    case "no-route":
    case "local-no-route":
      return { en: "no route to the destination", ko: "목적지로 가는 라우트가 없음" };
    case "forwarding-disabled":
      return {
        en: "forwarding is off (net.ipv4.ip_forward=0)",
        ko: "포워딩이 꺼져 있음 (net.ipv4.ip_forward=0)",
      };
    case "neighbour-failed":
      return {
        en: "no neighbour answers for the next hop (ARP fails)",
        ko: "다음 홉의 이웃이 응답하지 않음 (ARP 실패)",
      };
    case "fdb-miss":
      return {
        en: "no FDB entry says where to send the frame",
        ko: "프레임을 보낼 곳을 알려 주는 FDB 항목이 없음",
      };
    case "frag-needed":
    case "local-mtu":
    case "peer-mtu":
      return {
        en: "the packet is bigger than the link's MTU",
        ko: "패킷이 링크의 MTU보다 큼",
      };
    case "blackhole":
      return { en: "a blackhole route swallows it", ko: "blackhole 라우트가 삼킴" };
    case "udp-port-unreachable":
      return { en: "no socket listens on the UDP port", ko: "그 UDP 포트를 듣는 소켓이 없음" };
    case "not-for-this-host":
      return { en: "the frame is not for this host", ko: "이 호스트로 온 프레임이 아님" };
    case "rp-filter":
      return { en: "the reverse-path filter drops it", ko: "역경로 필터(rp_filter)가 버림" };
    case "link-down":
    case "no-carrier":
      return { en: "the device is down", ko: "장치가 내려가 있음" };
    case "ipvs-no-destination":
      return { en: "IPVS has no real server for it", ko: "IPVS에 실제 서버가 없음" };
    case "ebpf-drop":
      return { en: "an eBPF program drops it", ko: "eBPF 프로그램이 버림" };
    case "no-socket":
      return {
        en: "the reply arrives untranslated and no socket takes it",
        ko: "응답이 주소 변환 없이 도착해 받는 소켓이 없음",
      };
    case "ttl-exceeded":
      return { en: "its TTL runs out (a routing loop)", ko: "TTL이 다 됨 (라우팅 루프)" };
    case "netfilter-drop":
    case "netfilter-reject": {
      // Without a rule, a chain's policy decided: "filter FORWARD: dropped by the FORWARD policy DROP".
      const policy = /^(\S+ \S+): dropped by the \S+ policy (\S+)/.exec(message);
      if (policy)
        return {
          en: message.replace(/\.$/, ""),
          ko: `${policy[1]} 체인의 기본 정책 ${policy[2]}이 버림`,
        };
      return {
        en: message.replace(/\.$/, ""),
        ko: `netfilter가 버림: ${message.replace(/\.$/, "")}`,
      };
    }
    default:
      // The simulator's own sentence, which names what happened; Korean keeps it after the code.
      return {
        en: message.replace(/\.$/, ""),
        ko: `버려짐 (${reason}): ${message.replace(/\.$/, "")}`,
      };
  }
}

/** The label of the place `result` ended at. */
export function placeLabel(result: ProbeResult, place: QuizPlace): Localized {
  switch (place.kind) {
    case "delivered":
      return {
        en: "It is delivered, and the reply comes back",
        ko: "도착하고, 응답도 돌아온다",
      };
    case "dropped": {
      const drop = place.flow === "request" ? result.request.drop : result.reply.drop;
      const hop = [...result.hops]
        .reverse()
        .find(
          (h) => h.flow === place.flow && !h.error && h.kind === "drop" && h.netns === place.netns,
        );
      const where = {
        en: place.flow === "reply" ? `${place.netns}, the reply on its way back` : place.netns,
        ko: place.flow === "reply" ? `${place.netns}, 돌아가는 응답` : place.netns,
      };
      if (hop?.rule && (place.reason === "netfilter-drop" || place.reason === "netfilter-reject")) {
        const verb =
          place.reason === "netfilter-drop"
            ? { en: "drops it", ko: "버림" }
            : { en: "rejects it", ko: "거부함" };
        const table = `${hop.rule.table} ${hop.rule.chain}`;
        return {
          en: `${where.en}: ${table} ${verb.en} (${hop.rule.text})`,
          ko: `${where.ko}: ${table} 체인이 ${verb.ko} (${hop.rule.text})`,
        };
      }
      const words = reasonWords(place.reason, drop?.message ?? "");
      return { en: `${where.en}: ${words.en}`, ko: `${where.ko}: ${words.ko}` };
    }
    default:
      return unreachable(place);
  }
}
