/**
 * The lesson `podnet-learn new-lesson` writes for an author to edit: a small but real lesson (a
 * read step, a route step with its reference answer and known wrong answers, a predict step) on a
 * two-node Flannel cluster, in English and Korean, with YAML comments that say what each field is
 * for. Generated here rather than copied from a file so it follows the schema it is tested
 * against (test/lessons/scaffold.test.ts runs it through the loader and `validate`). Pure: it
 * returns the files' text; the CLI runner (src/cli/new-lesson.ts) writes them.
 */
import { lessonSchema, type Text } from "./schema";

/** The clusters a scaffold can be built on: both Flannel backends a lesson can start from. */
export const SCAFFOLD_CNIS = ["flannel-vxlan", "flannel-host-gw"] as const;
/** A cluster a scaffold can be built on. */
export type ScaffoldCni = (typeof SCAFFOLD_CNIS)[number];

/** What the author asked for. */
export interface ScaffoldRequest {
  /** The lesson id (kebab-case; see `lessonIdProblem`). */
  readonly id: string;
  /** The lesson's `order` in its pack. */
  readonly order: number;
  /** The title, used for both languages; the CNI's own title when absent. */
  readonly title?: string;
  /** The cluster the lesson's steps run on. */
  readonly cni: ScaffoldCni;
}

/** One file of the scaffold. */
export interface ScaffoldFile {
  /** Relative to the pack's directory, `/`-separated (`clusters/my-lesson.yaml`). */
  readonly path: string;
  /** What the file is, as the runner reports it. */
  readonly role: "lesson" | "cluster";
  readonly text: string;
}

/** Why `id` cannot be a lesson id (the schema's own rule and words), or null when it can. */
export function lessonIdProblem(id: string): string | null {
  const parsed = lessonSchema.shape.id.safeParse(id);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? "not a valid lesson id");
}

/** Why `title` cannot be a lesson title, or null when it can. */
export function titleProblem(title: string): string | null {
  if (!/\S/.test(title)) return "the title is empty";
  // A title is one line of the lesson list; a control character would break the frame.
  if (/\p{Cc}/u.test(title)) return "the title is one line, without control characters";
  return null;
}

/** The `order` after every order the pack already has (1 for an empty pack). */
export function nextOrder(orders: readonly number[]): number {
  return orders.reduce((max, order) => Math.max(max, order), 0) + 1;
}

/** The lesson file's path in the pack. */
export function lessonPath(id: string): string {
  return `${id}.yaml`;
}

/** The cluster file's path in the pack. */
export function clusterPath(id: string): string {
  return `clusters/${id}.yaml`;
}

/** The scaffold's files, and an answer to try with `podnet-learn check`. */
export interface Scaffold {
  readonly lesson: ScaffoldFile;
  /** The cluster file the lesson names. */
  readonly cluster: ScaffoldFile;
  /** The route step's id and its reference answer. */
  readonly tryIt: { readonly step: string; readonly answer: string };
}

/** The lesson file and the cluster file it names, ready to write. */
export function scaffoldLesson(request: ScaffoldRequest): Scaffold {
  const problem =
    lessonIdProblem(request.id) ??
    (request.title === undefined ? null : titleProblem(request.title));
  if (problem !== null) throw new Error(`cannot scaffold lesson ${request.id}: ${problem}`);
  return {
    lesson: { path: lessonPath(request.id), role: "lesson", text: lessonText(request) },
    cluster: { path: clusterPath(request.id), role: "cluster", text: clusterText(request) },
    tryIt: { step: ROUTE_STEP, answer: VARIANTS[request.cni].routeAnswer },
  };
}

/** The route step's id, which the runner's `check` example names. */
const ROUTE_STEP = "route-to-node2";

/** What differs between the scaffolds of the two backends: the texts and the exercises. */
interface Variant {
  readonly title: Text;
  readonly summary: Text;
  readonly backend: "vxlan" | "host-gw";
  readonly intro: Text;
  readonly routePrompt: Text;
  readonly encap: "vxlan" | "none";
  readonly routeHints: readonly [Text, Text, Text];
  readonly routeAnswer: string;
  readonly routeExplanation: Text;
  /** The known wrong routes: the answer, its `fails` in flow style, and what the learner reads. */
  readonly wrongRoutes: readonly { answer: string; fails: string; explanation: Text }[];
  /** The predict step, written out (its fields differ between the backends). */
  readonly predict: string;
}

const VARIANTS: Record<ScaffoldCni, Variant> = {
  "flannel-vxlan": {
    title: { en: "Flannel VXLAN: the route to node2", ko: "Flannel VXLAN: node2로 가는 라우트" },
    summary: {
      en: "The route that sends pod B's packets into `flannel.1`, and the UDP port of the tunnel.",
      ko: "파드 B로 가는 패킷을 `flannel.1`로 보내는 라우트와 터널이 쓰는 UDP 포트를 다룹니다.",
    },
    backend: "vxlan",
    intro: {
      en: "Two nodes on one subnet, 192.168.1.0/24, run Flannel with its vxlan backend. Each node has a /24 lease of 10.244.0.0/16 (node1 10.244.1.0/24, node2 10.244.2.0/24) and a VXLAN device, `flannel.1`. Node1 routes node2's lease into `flannel.1`, which wraps pod A's packet in UDP and sends it to node2's address, 192.168.1.12.",
      ko: "192.168.1.0/24 서브넷 하나에 있는 노드 두 개가 Flannel의 vxlan 백엔드로 동작합니다. 노드마다 10.244.0.0/16에서 /24 대역을 하나씩 받고(node1은 10.244.1.0/24, node2는 10.244.2.0/24) VXLAN 장치 `flannel.1`을 가집니다. node1은 node2의 대역을 `flannel.1`로 라우팅하고, `flannel.1`은 파드 A의 패킷을 UDP로 감싸 node2의 주소 192.168.1.12로 보냅니다.",
    },
    routePrompt: {
      en: "Node1 has lost its route to node2's lease, 10.244.2.0/24; the neighbour and FDB entries for node2 are still there. Type the route flanneld would write, so that pod A reaches pod B through the VXLAN tunnel.",
      ko: "node1에서 node2의 대역 10.244.2.0/24로 가는 라우트가 사라졌습니다. node2에 대한 네이버 엔트리와 FDB 엔트리는 그대로 남아 있습니다. flanneld가 쓰는 것과 같은 라우트를 입력해서 파드 A가 VXLAN 터널을 통해 파드 B에 닿게 하세요.",
    },
    encap: "vxlan",
    routeHints: [
      {
        en: "The gateway is node2's end of the tunnel, and the kernel will not believe it is reachable unless you tell it.",
        ko: "게이트웨이는 터널의 node2 쪽 끝이고, 직접 닿을 수 있다고 알려 주지 않으면 커널은 그것을 믿지 않습니다.",
      },
      {
        en: "`ip neigh show dev flannel.1` on node1 names the gateway the neighbour entry is for; `ip addr show flannel.1` shows that node1's own address there is a /32.",
        ko: "node1에서 `ip neigh show dev flannel.1`을 보면 네이버 엔트리가 어떤 게이트웨이를 위한 것인지 나옵니다. `ip addr show flannel.1`을 보면 node1 자신의 주소가 /32라는 것을 알 수 있습니다.",
      },
      {
        en: "`10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink`: node2's VTEP as the gateway, and `onlink` because no connected route covers it.",
        ko: "`10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink`입니다. node2의 VTEP을 게이트웨이로 쓰고, 그 주소를 포함하는 연결된 라우트가 없으므로 `onlink`가 필요합니다.",
      },
    ],
    routeAnswer: "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink",
    routeExplanation: {
      en: "`via 10.244.2.0` picks the neighbour entry (node2's VTEP MAC), `dev flannel.1` sends the packet into the tunnel, and `onlink` skips the kernel's check that the gateway sits on a connected subnet. The FDB then turns the MAC into node2's address.",
      ko: "`via 10.244.2.0`은 네이버 엔트리(node2의 VTEP MAC)를 고르고, `dev flannel.1`은 패킷을 터널로 보내며, `onlink`는 게이트웨이가 연결된 서브넷에 있는지 확인하는 커널의 검사를 건너뜁니다. 그다음 FDB가 MAC을 node2의 주소로 바꿉니다.",
    },
    wrongRoutes: [
      {
        answer: "10.244.2.0/24 via 10.244.2.0 dev flannel.1",
        fails: '{refused: "Nexthop has invalid gateway"}',
        explanation: {
          en: 'Without `onlink` the kernel looks for a connected route on `flannel.1` that covers 10.244.2.0. Node1\'s address there is a /32, so there is none: "Nexthop has invalid gateway".',
          ko: '`onlink`가 없으면 커널은 `flannel.1`에서 10.244.2.0을 포함하는 연결된 라우트를 찾습니다. node1의 주소는 /32뿐이라 그런 라우트가 없으므로 "Nexthop has invalid gateway"라며 거부합니다.',
        },
      },
      {
        answer: "10.244.2.0/24 via 192.168.1.12",
        fails: "{condition: encap}",
        explanation: {
          en: "Pod B answers, but the packet went over `eth0` without VXLAN: that is the host-gw backend, and it works only because both nodes share a subnet. The exercise asks for the tunnel.",
          ko: "파드 B가 응답하기는 하지만, 패킷은 VXLAN 없이 `eth0`으로 나갔습니다. 이것은 host-gw 백엔드 방식이고, 두 노드가 같은 서브넷에 있어서 동작했을 뿐입니다. 이 연습에서는 터널이 필요합니다.",
        },
      },
    ],
    predict: `  # A predict step: a question about a trace. The checker traces \`probe\`, reads \`fact\` from
  # the trace (the facts: docs/lessons.md, "Facts"), and the option whose \`value\` equals it is
  # right; \`validate\` checks that exactly one option does and that it is \`answer\`.
  - id: outer-udp-port
    kind: predict
    prompt:
${text(6, {
  en: "Pod A pings pod B and node1's `flannel.1` wraps the packet. Which UDP destination port does the outer header carry?",
  ko: "파드 A가 파드 B로 ping을 보내고 node1의 `flannel.1`이 패킷을 감쌉니다. 바깥 헤더의 UDP 목적지 포트는 무엇일까요?",
})}
    scenario:
      cluster: two-nodes
    probe: {from: pod-a, to: pod-b}     # what is traced: a goal probe without its conditions
    fact: outer-dport                   # a number: the first encapsulation's UDP port
    options:                            # 2 to 5; a value has the fact's type (a number here)
      - id: port-8472
        label: {en: "8472", ko: "8472"}  # quoted: a text that YAML reads as a number is an error
        value: 8472
      - id: port-4789
        label: {en: "4789", ko: "4789"}
        value: 4789
    answer: port-8472
    hints:
${hints([
  {
    en: "Flannel uses the port the Linux kernel picked for VXLAN before IANA assigned one.",
    ko: "Flannel은 IANA가 VXLAN 포트를 정하기 전에 리눅스 커널이 쓰던 포트를 사용합니다.",
  },
  {
    en: "Run `ip -d link show flannel.1` on node1 and read `dstport`.",
    ko: "node1에서 `ip -d link show flannel.1`을 실행하고 `dstport` 값을 읽어 보세요.",
  },
  {
    en: "8472, the kernel's historical VXLAN port, which flanneld keeps as its default. 4789 is IANA's port.",
    ko: "8472입니다. 커널이 예전부터 쓰던 VXLAN 포트이고 flanneld는 이것을 기본값으로 씁니다. 4789는 IANA가 정한 포트입니다.",
  },
])}
    explanation:
${text(6, {
  en: "The trace's encap hop on node1 says UDP 8472, VNI 1. A firewall between Flannel nodes must let UDP 8472 through, in both directions.",
  ko: "trace에서 node1의 encap 홉은 UDP 8472, VNI 1을 보여 줍니다. Flannel 노드 사이의 방화벽은 UDP 8472를 양방향으로 허용해야 합니다.",
})}
    wrong:
      - answer: port-4789
        fails: {notTheFact: true}       # the only way a predict or quiz answer fails
        explanation:
${text(10, {
  en: "4789 is IANA's VXLAN port (Calico's `vxlan.calico` uses it), but Flannel keeps the kernel's older default, 8472.",
  ko: "4789는 IANA가 정한 VXLAN 포트이고 Calico의 `vxlan.calico`가 이 포트를 쓰지만, Flannel은 커널의 예전 기본값인 8472를 씁니다.",
})}
`,
  },
  "flannel-host-gw": {
    title: {
      en: "Flannel host-gw: the route to node2",
      ko: "Flannel host-gw: node2로 가는 라우트",
    },
    summary: {
      en: "Without a tunnel, node1 routes node2's pods via node2's own address, and the packet never meets the router.",
      ko: "터널 없이 node1이 node2의 파드를 node2의 주소로 라우팅하고, 패킷이 라우터를 거치지 않는 방식을 다룹니다.",
    },
    backend: "host-gw",
    intro: {
      en: "Two nodes on one subnet, 192.168.1.0/24, run Flannel with its host-gw backend. Each node has a /24 lease of 10.244.0.0/16 (node1 10.244.1.0/24, node2 10.244.2.0/24). There is no tunnel: node1 routes node2's lease via node2's own address, 192.168.1.12, on `eth0`. That works only because the two nodes share a subnet.",
      ko: "192.168.1.0/24 서브넷 하나에 있는 노드 두 개가 Flannel의 host-gw 백엔드로 동작합니다. 노드마다 10.244.0.0/16에서 /24 대역을 하나씩 받습니다(node1은 10.244.1.0/24, node2는 10.244.2.0/24). 터널은 없습니다. node1은 node2의 대역을 `eth0`을 통해 node2의 주소 192.168.1.12로 라우팅합니다. 두 노드가 같은 서브넷에 있어서 가능한 방식입니다.",
    },
    routePrompt: {
      en: "This cluster runs Flannel host-gw. Node1 has lost its route to node2's lease, 10.244.2.0/24 (node2 is 192.168.1.12). Type the route flanneld would write, so that pod A reaches pod B.",
      ko: "이 클러스터는 Flannel host-gw로 동작합니다. node1에서 node2의 대역 10.244.2.0/24로 가는 라우트가 사라졌습니다(node2는 192.168.1.12). flanneld가 쓰는 것과 같은 라우트를 입력해서 파드 A가 파드 B에 닿게 하세요.",
    },
    encap: "none",
    routeHints: [
      {
        en: "Which machine owns 10.244.2.0/24, and can node1 reach it in one hop?",
        ko: "10.244.2.0/24를 가진 것은 어느 머신이고, node1은 그곳에 한 홉으로 닿을 수 있을까요?",
      },
      {
        en: "`ip route` on node1 shows the connected subnet on `eth0`; node2's address is in it.",
        ko: "node1에서 `ip route`를 보면 `eth0`에 연결된 서브넷이 나오고, node2의 주소가 그 안에 있습니다.",
      },
      {
        en: "`10.244.2.0/24 via 192.168.1.12 dev eth0`: node2's lease via node2's address.",
        ko: "`10.244.2.0/24 via 192.168.1.12 dev eth0`입니다. node2의 대역을 node2의 주소로 보냅니다.",
      },
    ],
    routeAnswer: "10.244.2.0/24 via 192.168.1.12 dev eth0",
    routeExplanation: {
      en: "The gateway is the node that owns the destination CIDR, and it sits on node1's own subnet, so no `onlink` is needed. Node1 hands the packet, unchanged, to node2, which routes it into `cni0` to pod B.",
      ko: "게이트웨이는 목적지 CIDR을 가진 노드이고 node1과 같은 서브넷에 있으므로 `onlink`가 필요 없습니다. node1은 패킷을 그대로 node2에 넘기고, node2는 그것을 `cni0`으로 라우팅해 파드 B에 전달합니다.",
    },
    wrongRoutes: [
      {
        answer: "10.244.2.0/24 via 10.244.2.2",
        fails: '{refused: "Nexthop has invalid gateway"}',
        explanation: {
          en: "That routes to the pod instead of to the node. 10.244.2.2 is on no subnet node1 is connected to, so the kernel refuses the gateway.",
          ko: "노드가 아니라 파드로 라우팅했습니다. 10.244.2.2는 node1에 연결된 어떤 서브넷에도 없으므로 커널이 게이트웨이를 거부합니다.",
        },
      },
      {
        answer: "10.244.2.0/24 dev eth0",
        fails: "{dropped: neighbour-failed, at: node1}",
        explanation: {
          en: "Without a gateway node1 ARPs for pod B's address on `eth0`. Node2 does not answer ARP for its pods, so the packet dies on node1.",
          ko: "게이트웨이가 없으면 node1은 `eth0`에서 파드 B의 주소를 ARP로 찾습니다. node2는 자기 파드의 주소에 대한 ARP에 응답하지 않으므로 패킷은 node1에서 버려집니다.",
        },
      },
    ],
    predict: `  # A predict step: a question about a trace. The checker traces \`probe\`, reads \`fact\` from
  # the trace (the facts: docs/lessons.md, "Facts"), and the option whose \`value\` equals it is
  # right; \`validate\` checks that exactly one option does and that it is \`answer\`.
  - id: after-node1
    kind: predict
    prompt:
${text(6, {
  en: "Pod A pings pod B. Where does the packet go after node1?",
  ko: "파드 A가 파드 B로 ping을 보냅니다. 패킷은 node1 다음에 어디로 갈까요?",
})}
    scenario:
      cluster: two-nodes
    probe: {from: pod-a, to: pod-b}     # what is traced: a goal probe without its conditions
    fact: next-hop                      # the namespace after \`at\` (the switches left out)
    at: node1                           # facts about one namespace name it here
    options:                            # 2 to 5; a value has the fact's type (a string here)
      - id: node2
        label: {en: node2, ko: node2}
        value: node2
      - id: router
        label: {en: the router, ko: 라우터}
        value: router
    answer: node2
    hints:
${hints([
  {
    en: "Look at the gateway of node1's route to 10.244.2.0/24.",
    ko: "node1에서 10.244.2.0/24로 가는 라우트의 게이트웨이를 보세요.",
  },
  {
    en: "`ip route get 10.244.2.2` on node1 names the next hop.",
    ko: "node1에서 `ip route get 10.244.2.2`를 실행하면 다음 홉이 나옵니다.",
  },
  {
    en: "node2: the route's gateway is 192.168.1.12, on node1's own subnet, so the switch carries the frame straight to node2.",
    ko: "node2입니다. 라우트의 게이트웨이가 node1과 같은 서브넷의 192.168.1.12이므로 스위치가 프레임을 바로 node2로 전달합니다.",
  },
])}
    explanation:
${text(6, {
  en: "The route `10.244.2.0/24 via 192.168.1.12 dev eth0` hands the packet to node2 directly; the router never sees pod addresses.",
  ko: "라우트 `10.244.2.0/24 via 192.168.1.12 dev eth0`가 패킷을 node2에 바로 넘기므로 라우터는 파드 주소를 보지 않습니다.",
})}
    wrong:
      - answer: router
        fails: {notTheFact: true}       # the only way a predict or quiz answer fails
        explanation:
${text(10, {
  en: "The router is only on the way between subnets. Both nodes share 192.168.1.0/24, so node1 sends the packet to node2 itself.",
  ko: "라우터는 서브넷 사이를 오갈 때만 거칩니다. 두 노드는 192.168.1.0/24를 함께 쓰므로 node1은 패킷을 node2에 직접 보냅니다.",
})}
`,
  },
};

/** YAML's double-quoted scalar, which JSON's string syntax is a subset of. */
function quoted(s: string): string {
  return JSON.stringify(s);
}

/** Columns a string takes in a terminal: Hangul is two wide, so Korean lines wrap sooner. */
function columns(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115F\u3130-\u318F\uAC00-\uD7A3]/.test(ch) ? 2 : 1;
  return n;
}

/** Words joined into lines of at most `width` columns (a longer word stands alone). */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of line.split(" ")) {
    if (current !== "" && columns(current) + 1 + columns(word) > width) {
      lines.push(current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}

/** A text as `en: >-` and `ko: >-` folded blocks at `indent`, wrapped to 100 columns. */
function text(indent: number, t: Text): string {
  const pad = " ".repeat(indent);
  const block = (lang: "en" | "ko", s: string): string =>
    `${pad}${lang}: >-\n${wrap(s, 100 - indent - 2)
      .map((l) => `${pad}  ${l}`)
      .join("\n")}`;
  return `${block("en", t.en)}\n${block("ko", t.ko)}`;
}

/** Three hints as a list at six spaces, under `hints:`. */
function hints(list: readonly [Text, Text, Text]): string {
  return list.map((t) => text(8, t).replace(/^ {8}/, "      - ")).join("\n");
}

function lessonText(request: ScaffoldRequest): string {
  const v = VARIANTS[request.cni];
  const title =
    request.title === undefined
      ? `  en: ${quoted(v.title.en)}\n  ko: ${quoted(v.title.ko)}`
      : `  en: ${quoted(request.title.trim())}\n  ko: ${quoted(request.title.trim())}   # the same text: translate it`;
  const wrong = v.wrongRoutes
    .map(
      (w) =>
        `      - answer: ${w.answer}\n        fails: ${w.fails}\n        explanation:\n${text(10, w.explanation)}`,
    )
    .join("\n");
  return `# A lesson for podnet-learn, made by \`podnet-learn new-lesson\`; edit it into your own.
# It is valid as written. In the directory that holds it (the lesson pack):
#   podnet-learn validate DIR      checks every file and judges every answer by simulation
#   podnet-learn --lessons DIR     opens the pack in the tutorial
#   podnet-learn check ${request.id} --step ${ROUTE_STEP} --answer "ROUTE" --lessons DIR
# The whole format is docs/lessons.md; how to write and test a lesson is docs/authoring.md
# (both in podnet-learn's docs/ folder, installed with it). Every text a learner reads is written twice,
# English (en) and Korean (ko), side by side; both are required and non-empty.
formatVersion: 1         # the lesson format this file follows
id: ${request.id}${" ".repeat(Math.max(1, 21 - request.id.length))}# stable, kebab-case: progress is stored by it; never change it once shared
order: ${request.order}${" ".repeat(Math.max(1, 18 - String(request.order).length))}# position in the lesson list, unique in the pack
minutes: 10              # estimated time, 1 to 240
prerequisites: []        # ids of lessons of this pack to finish first ([] = none)
title:                   # the lesson's name in the list
${title}
summary:                 # one or two sentences under the title
${text(2, v.summary)}
clusters:                # the clusters the steps use, by name: a path inside the pack, or a
  two-nodes: ${clusterPath(request.id)}   # cluster file written inline (docs/cluster-files.md)
steps:                   # read steps and exercises, in order; ids are stable like the lesson's
  # A read step: a text, and optionally a cluster of \`clusters\` drawn as a topology.
  - id: two-nodes-one-subnet
    kind: read
    diagram: two-nodes
    text:
${text(6, v.intro)}

  # A route step: the learner types one route into \`node\`'s table. The checker adds it as
  # \`ip route add\` would (the kernel's checks, the kernel's errors), then sends the goal's
  # probes. Any route that really works passes; the answer below is the reference.
  - id: ${ROUTE_STEP}
    kind: route
    prompt:
${text(6, v.routePrompt)}
    scenario:            # the cluster, then the changes that make the exercise: scenario-script
      cluster: two-nodes # lines with namespaces named after the nodes and pods
      changes:
        - ip -n node1 route del 10.244.2.0/24
    node: node1          # the table the route goes into (a node, a pod or the router)
    goal:                # what the checker sends after the answer, and what must hold
      - from: pod-a
        to: pod-b        # delivered, and the reply comes back (expect: delivered, the default)
        via: {encap: ${v.encap}}   # ${v.encap === "vxlan" ? "…carried in VXLAN" : "…never encapsulated"}
    hints:               # exactly three: a nudge, where to look, the answer with why
${hints(v.routeHints)}
    answer: ${v.routeAnswer}
    explanation:         # shown after a correct answer, beside the reference answer
${text(6, v.routeExplanation)}
    wrong:               # answers learners really give, each with how it must fail (fails:
                         # refused, dropped, noReply, condition), which validate checks
${wrong}

${v.predict}`;
}

function clusterText(request: ScaffoldRequest): string {
  const v = VARIANTS[request.cni];
  return `# The cluster of lesson ${request.id}: Flannel ${v.backend} on two nodes of one subnet, one pod on
# each. The format is docs/cluster-files.md; \`podnet-learn trace --cluster THIS-FILE --from pod-a
# --to pod-b\` and \`podnet-learn show --cluster THIS-FILE --netns node1 -- ip route\` show what
# the installer builds, before a lesson says anything about it.
formatVersion: 1
name: ${request.id}
underlay:
  subnets:
    - cidr: 192.168.1.0/24     # the router is 192.168.1.1, the subnet's first address
cni:
  plugin: flannel
  network: 10.244.0.0/16       # leases in node order: node1 10.244.1.0/24, node2 10.244.2.0/24
  backend:
    type: ${v.backend}
nodes:
  - name: node1
    ip: 192.168.1.11
  - name: node2
    ip: 192.168.1.12
pods:                          # pods get .2, .3… of their node's lease: pod-a 10.244.1.2
  - name: pod-a
    node: node1
  - name: pod-b
    node: node2
`;
}
