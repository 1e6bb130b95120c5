/**
 * Small quizzes for the quiz screen's tests: real `QuizQuestion` values shaped by the types,
 * and a grader that judges them the way the engine's contract says (choice ids, typed lines),
 * so the screen and the model can be tested without generating clusters.
 */

import type { Quiz, QuizQuestion } from "../../src/quiz/types";
import type { Grader } from "../../src/ui/quiz-model";

const both = (en: string, ko = en) => ({ en, ko });

const CLUSTER = "nodes:\n  - name: node1\n  - name: node2\n";

export const WHERE: QuizQuestion = {
  id: "q1",
  kind: "where-dropped",
  topic: "flannel",
  prompt: both(
    "pod-a on node1 pings pod-b on node2.\nWhere is the packet dropped?",
    "node1의 pod-a가 node2의 pod-b에 ping을 보냅니다.\n패킷은 어디서 드롭될까요?",
  ),
  cluster: CLUSTER,
  choices: [
    {
      id: "a",
      label: both("node1: no route to 10.244.2.0/24", "node1: 10.244.2.0/24 라우트 없음"),
    },
    { id: "b", label: both("node2: FORWARD drops it", "node2: FORWARD에서 드롭") },
    { id: "c", label: both("It is delivered", "전달됨") },
  ],
  probe: both("ping 10.244.2.5 from pod-a"),
};

export const PROXY: QuizQuestion = {
  id: "q2",
  kind: "proxy-mode",
  topic: "services",
  prompt: both("10,000 Services, and rule updates must stay fast.\nWhich kube-proxy mode?"),
  cluster: CLUSTER,
  choices: [
    { id: "a", label: both("iptables") },
    { id: "b", label: both("ipvs") },
  ],
  probe: both("curl 10.96.0.10:80 from pod-a"),
};

export const FIX: QuizQuestion = {
  id: "q3",
  kind: "fix-it",
  topic: "calico",
  prompt: both(
    "pod-a cannot reach pod-b. Repair node1 so the ping passes.",
    "pod-a가 pod-b에 닿지 않습니다. ping이 통하도록 node1을 고치세요.",
  ),
  cluster: CLUSTER,
  choices: [],
  shellNode: "node1",
  probe: both("ping 10.244.2.5 from pod-a"),
};

/** What each question's right answer is, for `grader`. */
const RIGHT: Record<string, string> = { q1: "a", q2: "b" };

/**
 * Judges as the engine's contract does: a choice by its id, a fix by its lines (here: a route
 * to node2's pods). Counts its calls so tests can see when grading happened.
 */
export function grader(calls: string[] = []): Grader {
  return (question, answer) => {
    calls.push(`${question.id}=${answer === null ? "null" : JSON.stringify(answer)}`);
    const correct =
      answer === null
        ? false
        : answer.kind === "choice"
          ? RIGHT[question.id] === answer.choice
          : answer.lines.some((l) => l.startsWith("ip route add 10.244.2.0/24"));
    const expected =
      question.kind === "fix-it"
        ? both(
            "ip route add 10.244.2.0/24 via 192.168.1.12",
            "ip route add 10.244.2.0/24 via 192.168.1.12",
          )
        : (question.choices.find((c) => c.id === RIGHT[question.id])?.label ?? both("?"));
    return {
      correct,
      expected,
      explanation: both(
        `Explained: ${question.id} follows the route lookup on node1.`,
        `해설: ${question.id}는 node1의 라우트 조회를 따릅니다.`,
      ),
    };
  };
}

export function quizOf(...questions: QuizQuestion[]): Quiz {
  return {
    settings: {
      seed: 7,
      count: questions.length,
      topics: ["flannel", "services"],
      difficulty: "easy",
    },
    questions,
  };
}

/** A node shell stand-in: echoes what it ran, says ok to `ip route add`. */
export function fakeShell(node = "node1") {
  const history: string[] = [];
  return {
    node,
    history,
    run(line: string) {
      history.push(line);
      const ok = line.startsWith("ip ");
      return { output: ok ? "" : `sh: ${line.split(" ")[0]}: not found\n`, ok, changed: ok };
    },
  };
}
