/**
 * Every command's spec (name, usage, options, examples): what the parser and the help need.
 * Nothing here imports the simulator, the lessons or the UI, so `--help`, `--version` and the
 * tutorial's first screen start without loading them; each command's runner is imported when
 * it runs (main.ts).
 */
import { type CommandSpec, NO_COLOR_OPTION, type OptionSpec, withHelp } from "./args";

/** `--script FILE` or `--cluster FILE`: where a command's simulated world comes from. */
export const SOURCE_OPTIONS: readonly OptionSpec[] = [
  {
    name: "script",
    value: "FILE",
    description: "Scenario script (ip, bridge, iptables, sysctl commands) that builds the network",
  },
  {
    name: "cluster",
    value: "FILE",
    description: "Cluster file (YAML: nodes, pods, CNI); the CNI's installer builds every node",
  },
];

/** `--lessons DIR`: a lesson pack of one's own instead of the built-in lessons. */
export const LESSONS_OPTION: OptionSpec = {
  name: "lessons",
  value: "DIR",
  description: "A lesson pack directory to use instead of the built-in lessons",
};

/** `--lang en|ko`: the language of what the learner reads. */
export const LANG_OPTION: OptionSpec = {
  name: "lang",
  value: "LANG",
  description: "en or ko (default: from LC_ALL, LC_MESSAGES or LANG; ko_KR.UTF-8 is ko; else en)",
};

export const DEFAULT_DPORT = 80;
/** Largest UDP payload in one IPv4 datagram: 65535 - 20 (IP) - 8 (UDP/ICMP header). */
export const MAX_SIZE = 65507;
/** Seeds are unsigned 32-bit, the state size of the simulator's generator. */
export const MAX_SEED = 0xffff_ffff;

export const traceCommand: CommandSpec = {
  name: "trace",
  summary: "Follow one packet and its reply through a simulated cluster, hop by hop",
  usage: "trace (--script FILE | --cluster FILE) --from NETNS --to IP [options]",
  options: withHelp([
    ...SOURCE_OPTIONS,
    {
      name: "from",
      value: "NETNS",
      description: "Network namespace the packet leaves from (with --cluster: a pod or node name)",
    },
    {
      name: "to",
      value: "IP",
      description:
        "Destination IPv4 address (with --cluster also a pod, node or Service name; a Service's first port and protocol unless --proto/--dport say otherwise)",
    },
    { name: "proto", value: "PROTO", description: "icmp, tcp or udp (default icmp)" },
    {
      name: "dport",
      value: "N",
      description: `Destination port for tcp/udp (default ${DEFAULT_DPORT})`,
    },
    {
      name: "size",
      value: "BYTES",
      description: `ICMP or UDP payload bytes, like ping -s (0-${MAX_SIZE}, default 56)`,
    },
    {
      name: "df",
      description: "Set Don't Fragment (TCP always does), to see where a too-big packet stops",
    },
    {
      name: "seed",
      value: "N",
      description: `Seed for random choices such as load balancing (0-${MAX_SEED}), to replay a run`,
    },
    { name: "headers", description: "Show the packet headers under each hop that changed them" },
    {
      name: "json",
      description: "Print one JSON object instead of text (the same as --format json)",
    },
    {
      name: "format",
      value: "FORMAT",
      description:
        "text (default), json, or md: a Markdown table of the hops for reviews and slides",
    },
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn trace --script examples/scripts/flannel-vxlan.sh --from ex-pod-a --to 10.244.2.15",
    "podnet-learn trace --cluster examples/clusters/calico-vxlan.yaml --from pod-a --to pod-b",
    "podnet-learn trace --cluster examples/clusters/services-iptables.yaml --from pod-a --to web",
    "podnet-learn trace --cluster examples/clusters/flannel-vxlan.yaml --from pod-a --to pod-b --format md > trace.md",
  ],
  notes: [
    "Exit status: 0 when the request and the reply are both delivered, 1 when either is dropped,",
    "2 when the command line or the script file is wrong.",
  ],
};

/** The probe options `show` takes for `conntrack -L`. */
export const PROBE_OPTIONS = traceCommand.options.filter((o) =>
  ["from", "to", "proto", "dport", "seed"].includes(o.name),
);

export const showCommand: CommandSpec = {
  name: "show",
  summary:
    "Print what ip, bridge, iptables-save, nft, ipvsadm, conntrack or cilium-dbg would show inside one simulated namespace",
  usage: "show (--script FILE | --cluster FILE) --netns NETNS -- COMMAND [WORDS...]",
  options: withHelp([
    ...SOURCE_OPTIONS,
    {
      name: "netns",
      value: "NETNS",
      description: "Network namespace to run the command in (with --cluster: a node or pod name)",
    },
    ...PROBE_OPTIONS,
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route",
    "podnet-learn show --script examples/scripts/flannel-vxlan.sh --netns ex-node1 -- ip route get 10.244.2.15",
    "podnet-learn show --cluster examples/clusters/calico-bgp.yaml --netns node1 -- ip route",
    "podnet-learn show --cluster examples/clusters/services-iptables.yaml --netns node1 --from pod-a --to web -- conntrack -L",
    "podnet-learn show --cluster examples/clusters/services-ipvs.yaml --netns node1 -- ipvsadm -Ln",
  ],
  notes: [
    "Everything after -- is the command, as you would type it on the node: ip route,",
    "ip route get IP, ip addr, ip link, ip neigh, bridge fdb show, iptables-save, ipvsadm -Ln,",
    "ipset save, nft list ruleset, and on a Cilium node cilium-dbg bpf lb list and",
    "cilium-dbg bpf ct list global.",
    "conntrack -L lists the connections a probe left (a simulated node keeps none between",
    "probes): give the probe with trace's --from and --to (and --proto, --dport, --seed).",
    "Exit status: 0 when the command ran, 1 when it failed (its message goes to stderr),",
    "2 when the command line or the script file is wrong.",
  ],
};

export const exportCommand: CommandSpec = {
  name: "export",
  summary: "Print the scenario script a cluster file's CNI installer lays out on every node",
  usage: "export --cluster FILE [--prefix P]",
  options: withHelp([
    { name: "cluster", value: "FILE", description: "Cluster file (YAML: nodes, pods, CNI)" },
    {
      name: "prefix",
      value: "P",
      description: "Prepended to every namespace name (P<node>, P<pod>, Prouter, Psw1…)",
    },
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn export --cluster examples/clusters/flannel-vxlan.yaml --prefix lab-",
    "podnet-learn export --cluster examples/clusters/flannel-vxlan.yaml --prefix lab- > lab.sh",
  ],
  notes: [
    "The script is what the simulator runs. Every line names its namespace, so as root it can be",
    "replayed line by line in real network namespaces (ip netns), except for what the local",
    "kernel lacks (IPIP needs the ipip module, Geneve the geneve module). Cilium's eBPF programs",
    "and maps follow as comment lines: no command loads them, so a replayed Cilium cluster has its",
    "devices and routes but no datapath; the simulator loads them itself. Weave's router in sleeve",
    "mode, a user-space process no command starts, is listed the same way: a replay has no overlay",
    "between the nodes; the simulator runs the router itself.",
    "Exit status: 0, or 2 when the cluster file is wrong (every problem is listed as FILE:LINE:COL).",
  ],
};

export const checkCommand: CommandSpec = {
  name: "check",
  summary: "Check an answer to a lesson's exercise by running it in the simulator",
  usage: 'check LESSON-ID --step N|STEP-ID --answer "ANSWER" [options]',
  options: withHelp([
    {
      name: "step",
      value: "N|ID",
      description: "The exercise: its number in the lesson (1 is the first step) or its id",
    },
    {
      name: "answer",
      value: "TEXT",
      description:
        "A route, an option id, or a fix's shell lines (one a line: --answer \"$(printf 'ssh node2\\nsysctl -w net.ipv4.ip_forward=1')\")",
    },
    { name: "hint", value: "N", description: "On a wrong answer, show hint N (1 to 3, default 1)" },
    LANG_OPTION,
    LESSONS_OPTION,
    { name: "json", description: "Print one JSON object instead of text (see docs/lessons.md)" },
    NO_COLOR_OPTION,
  ]),
  examples: [
    'podnet-learn check flannel-vxlan --step restore-route-to-node2 --answer "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"',
    'podnet-learn check flannel-vxlan --step restore-route-to-node2 --answer "10.244.2.0/24 dev eth0" --lang ko',
  ],
  notes: [
    "The answer is judged by simulation, never by comparing text: any route or fix that really",
    "works passes, and a wrong one is explained from the trace (where the packet died and why).",
    "Exit status: 0 when the answer passes, 1 when it does not, 2 when the command line, the",
    "lesson or the step is wrong.",
  ],
};

export const validateCommand: CommandSpec = {
  name: "validate",
  summary: "Check a lesson pack: every file, and every answer judged by the simulator",
  usage: "validate [DIR]",
  options: withHelp([NO_COLOR_OPTION]),
  examples: ["podnet-learn validate", "podnet-learn validate my-lessons"],
  notes: [
    "DIR is a lesson pack (lesson files and the cluster files they name); without it, the",
    "built-in lessons. Every problem is printed as FILE:LINE:COL: what is wrong, then a summary:",
    "the schema, both languages in every text, ids, prerequisites, clusters, scenario changes,",
    "that every reference answer passes and every known wrong answer fails as the lesson says",
    "(and, when not, how it did fail), and that a route or fix step does not pass unanswered.",
    "Exit status: 0 when all is well, 1 when there are problems, 2 when the command line is",
    "wrong or DIR is not a directory.",
  ],
};

export const progressCommand: CommandSpec = {
  name: "progress",
  summary: "Show what you have done in each lesson (steps passed, hints, attempts, time)",
  usage: "progress [--json] [--lessons DIR]",
  options: withHelp([
    { name: "json", description: "Print one JSON object instead of text" },
    LESSONS_OPTION,
    NO_COLOR_OPTION,
  ]),
  examples: ["podnet-learn progress", "podnet-learn progress --json"],
  notes: [
    "Progress is kept in ~/.config/podnet-learn/progress.json (XDG_CONFIG_HOME is honoured;",
    "PODNET_CONFIG_DIR puts it elsewhere). A file that cannot be read is moved aside, never wiped.",
  ],
};

export const resetCommand: CommandSpec = {
  name: "reset",
  summary: "Forget your progress in one lesson, or in every lesson",
  usage: "reset (LESSON-ID | --all) [--lessons DIR]",
  options: withHelp([
    { name: "all", description: "Forget every lesson (the language setting stays)" },
    LESSONS_OPTION,
    NO_COLOR_OPTION,
  ]),
  examples: ["podnet-learn reset flannel-vxlan", "podnet-learn reset --all"],
};

export const quizCommand: CommandSpec = {
  name: "quiz",
  summary:
    "A troubleshooting quiz from a seed: where a packet dies, a missing entry, fix it, proxy modes",
  usage: "quiz [--seed N] [--count N] [--topics LIST] [--difficulty LEVEL] [options]",
  options: withHelp([
    {
      name: "seed",
      value: "N",
      description: `The quiz's seed (0-${MAX_SEED}): the same seed and options give everyone the same questions (default: drawn, and shown)`,
    },
    { name: "count", value: "N", description: "How many questions, 1 to 50 (default 10)" },
    {
      name: "topics",
      value: "LIST",
      description:
        "Comma-separated, taken in turn: flannel, calico, cilium, weave, services (default: all)",
    },
    { name: "difficulty", value: "LEVEL", description: "easy, medium (default) or hard" },
    {
      name: "time-limit",
      value: "DURATION",
      description: "Time for the whole quiz, like 20m, 1h or 1h30m (a bare number is minutes)",
    },
    {
      name: "exam",
      description:
        "Exam mode: explanations only at the end, a time limit (default 2 minutes a question)",
    },
    { name: "name", value: "NAME", description: "The candidate's name, for the report" },
    {
      name: "report",
      value: "FILE",
      description: "Write the report to FILE.md and FILE.json (a .md or .json ending is replaced)",
    },
    {
      name: "print",
      description: "Print the questions as text for paper or slides instead of asking them",
    },
    { name: "answers", description: "With --print: add the answer key, computed by the simulator" },
    LANG_OPTION,
    {
      name: "ascii",
      description: "Draw with plain ASCII (for terminals that show box and arrow characters wide)",
    },
    NO_COLOR_OPTION,
  ]),
  examples: [
    "podnet-learn quiz",
    "podnet-learn quiz --seed 42 --count 5 --topics flannel,services --difficulty easy",
    "podnet-learn quiz --exam --seed 2024 --time-limit 30m --name alice --report results/alice",
    "podnet-learn quiz --print --seed 42 --answers > quiz-42.md",
    "podnet-learn quiz --print --seed 42 --lang ko",
  ],
  notes: [
    "Every question comes from a random but valid cluster and one injected fault (or none), and",
    "every answer is computed by the simulator when it is graded, never stored. The interactive",
    "quiz needs a terminal; without one, use --print. See docs/quiz.md.",
    "Exit status: 0 when the quiz ran (whatever the score), 2 when the command line is wrong,",
    "there is no terminal, or the report cannot be written.",
  ],
};
