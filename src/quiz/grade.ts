/**
 * Grading one answer: the simulator runs the question's scenario with the answer (the chosen
 * place's probe, the chosen entry put back, the chosen proxy installed, the typed lines replayed
 * in a fresh shell) and says whether it is right, what is, and why, from the trace. Nothing is
 * compared with a stored answer.
 */
import { unreachable } from "../sim/unreachable";
import { gradeFixIt } from "./kinds/fix-it";
import { gradeMissingEntry } from "./kinds/missing-entry";
import { gradeProxyMode } from "./kinds/proxy-mode";
import { gradeWhereDropped } from "./kinds/where-dropped";
import type { QuizAnswer, QuizGrade, QuizQuestion } from "./types";

export function gradeAnswer(question: QuizQuestion, answer: QuizAnswer | null): QuizGrade {
  switch (question.kind) {
    case "where-dropped":
      return gradeWhereDropped(question, answer);
    case "missing-entry":
      return gradeMissingEntry(question, answer);
    case "fix-it":
      return gradeFixIt(question, answer);
    case "proxy-mode":
      return gradeProxyMode(question, answer);
    default:
      return unreachable(question.kind);
  }
}
