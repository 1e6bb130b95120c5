/** The engine's parts of a generated question. */
import type { QuizQuestion } from "../types";

/** The probe and fault of a generated question; a hand-made one without them cannot be graded. */
export function engineParts(question: QuizQuestion): {
  probeSpec: NonNullable<QuizQuestion["probeSpec"]>;
  fault: NonNullable<QuizQuestion["fault"]>;
} {
  if (!question.probeSpec || !question.fault)
    throw new Error(
      `question ${question.id} has no probe or fault: quiz questions come from generateQuiz`,
    );
  return { probeSpec: question.probeSpec, fault: question.fault };
}
