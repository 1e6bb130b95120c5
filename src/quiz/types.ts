/**
 * The quiz's data: what `generateQuiz` makes from a seed, what a candidate answers, how an answer
 * is graded, and what a sitting records for the report. Every answer is computed by the
 * simulator from the question's scenario when it is graded; nothing here stores a right answer
 * as text to compare with.
 */
import type { Lang } from "../lang";

/** A text in every language podnet-learn speaks. */
export type Localized = Readonly<Record<Lang, string>>;

/** What a question is about: a CNI plugin, or Services and kube-proxy. */
export const QUIZ_TOPICS = ["flannel", "calico", "cilium", "weave", "services"] as const;
export type QuizTopic = (typeof QUIZ_TOPICS)[number];

/** The most questions one quiz has. */
export const MAX_QUESTIONS = 50;

/** How hard the generated clusters and faults are. */
export const DIFFICULTIES = ["easy", "medium", "hard"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

/** The four kinds of question. */
export type QuestionKind =
  /** A probe's path is shown (or its cluster): where is the packet dropped (or is it delivered)? */
  | "where-dropped"
  /** One entry (route, neighbour, FDB, rule, sysctl) was removed: which one? */
  | "missing-entry"
  /** A broken cluster and the simulated node shell: repair it so the probe passes. */
  | "fix-it"
  /** A requirement: which kube-proxy mode meets it? */
  | "proxy-mode";

/** What makes a quiz: the same settings make the same questions, for every candidate. */
export interface QuizSettings {
  /** Unsigned 32-bit seed of the simulator's generator. */
  readonly seed: number;
  /** How many questions (1 to 50). */
  readonly count: number;
  /** The topics questions are drawn from, in the order given; never empty. */
  readonly topics: readonly QuizTopic[];
  readonly difficulty: Difficulty;
}

/** One answer a choice question offers. */
export interface QuizChoice {
  /** Stable within its question: "a", "b", "c"… */
  readonly id: string;
  readonly label: Localized;
  /** What the choice means to the engine (a place, an entry, a mode); present on generated questions. */
  readonly meaning?: ChoiceMeaning;
}

/** A probe as a question names it: pods, nodes and Services by name, as lessons write them. */
export interface QuizProbe {
  readonly from: string;
  readonly to: string;
  readonly proto?: "icmp" | "tcp" | "udp";
  readonly dport?: number;
  readonly size?: number;
  readonly df?: boolean;
}

/** Where a probe ends: delivered with its reply, or dropped at one place for one reason. */
export type QuizPlace =
  | { readonly kind: "delivered" }
  | {
      readonly kind: "dropped";
      readonly flow: "request" | "reply";
      readonly netns: string;
      /** The simulator's drop reason code (`netfilter-drop`, `no-route`…). */
      readonly reason: string;
      /** The rule that decided (`filter INPUT 1`), or "" when no rule did. */
      readonly rule: string;
    };

/** A choice as the engine reads it, to judge it by running the simulator. */
export type ChoiceMeaning =
  /** where-dropped: the probe ends here. */
  | { readonly kind: "place"; readonly place: QuizPlace }
  /** missing-entry: this script line puts the entry back. */
  | { readonly kind: "entry"; readonly netns: string; readonly restore: string }
  /** proxy-mode: the cluster with this Service proxy (the eBPF replacement comes with Cilium). */
  | {
      readonly kind: "mode";
      readonly mode: "iptables" | "ipvs" | "nftables" | "ebpf";
      readonly cluster: string;
    };

/** A proxy-mode requirement: limits a connection's work must stay within, measured by the simulator. */
export interface ProxyRequirement {
  /** At most this many iptables rules evaluated (both directions). */
  readonly maxRules?: number;
  /** At most this many map and hash lookups (IPVS, nftables maps, eBPF maps). */
  readonly maxLookups?: number;
}

/** The injected fault (or harmless change): what the engine replays to build the question's scenario. */
export interface InjectedFault {
  /** The catalogue entry: `overlay-port-blocked`, `forwarding-off`, `none`… */
  readonly id: string;
  /** Script lines run after the cluster's installers (docs/scenario-scripts.md); empty for none. */
  readonly lines: readonly string[];
  /** What was changed, in words. */
  readonly text: Localized;
  /** The node (or pod) the fault is on; "" for none. */
  readonly node: string;
  /** Shell lines on `node` that undo it (fix-it); the simulator checks them before they are shown. */
  readonly repair: readonly string[];
}

/** One question, ready to show; grading needs only the question and the answer. */
export interface QuizQuestion {
  /** "q1", "q2"… in quiz order. */
  readonly id: string;
  readonly kind: QuestionKind;
  readonly topic: QuizTopic;
  /** The question itself (several lines: the setting, then what is asked). */
  readonly prompt: Localized;
  /** The cluster file (YAML) of the question's scenario, before any fault: for diagrams and the report. */
  readonly cluster: string;
  /** The choices of a choice question, in the order shown; empty for fix-it. */
  readonly choices: readonly QuizChoice[];
  /** Fix-it: the node (or pod) the shell opens on. */
  readonly shellNode?: string;
  /** The probe the question is about, as a learner would type it: "ping 10.244.2.5 from pod-a". */
  readonly probe: Localized;
  /** The probe as the engine sends it; present on generated questions. */
  readonly probeSpec?: QuizProbe;
  /** The fault injected into `cluster`; present on generated questions. */
  readonly fault?: InjectedFault;
  /** proxy-mode: the limits the chosen mode must meet. */
  readonly requirement?: ProxyRequirement;
  /** A short title of what is asked ("Where is the packet dropped?"), for lists and reports. */
  readonly title?: Localized;
}

/** What a candidate gave. */
export type QuizAnswer =
  | { readonly kind: "choice"; readonly choice: string }
  /** The lines typed in the fix-it shell, in order. */
  | { readonly kind: "commands"; readonly lines: readonly string[] };

/** How an answer was judged, by the simulator. */
export interface QuizGrade {
  readonly correct: boolean;
  /** The right answer, in words (for a fix-it: what was broken and one fix that works). */
  readonly expected: Localized;
  /** Why, from the trace: where the packet went or died with the answer given (or unanswered). */
  readonly explanation: Localized;
}

/** A generated quiz. */
export interface Quiz {
  readonly settings: QuizSettings;
  readonly questions: readonly QuizQuestion[];
}

/** One question as the candidate met it. */
export interface AnsweredQuestion {
  readonly questionId: string;
  /** null: skipped, or the time ran out first. */
  readonly answer: QuizAnswer | null;
  readonly grade: QuizGrade;
  /** Milliseconds spent on the question. */
  readonly ms: number;
}

/** A sitting: what the report is written from. */
export interface QuizRecord {
  readonly quiz: Quiz;
  /** The candidate's name, when given (`--name`). */
  readonly name?: string;
  /** ISO 8601 time the sitting started. */
  readonly startedAt: string;
  /** Exam mode: no explanation until the end, a time limit, one seed for everyone. */
  readonly exam: boolean;
  /** The time limit in seconds, when there was one. */
  readonly timeLimitS?: number;
  /** Every question, answered or not, in quiz order. */
  readonly answers: readonly AnsweredQuestion[];
}
