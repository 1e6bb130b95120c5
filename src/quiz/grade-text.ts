/** A choice question's grade, from the choices the simulator found right. */
import { joinLines, localized } from "./explain";
import type { Localized, QuizAnswer, QuizChoice, QuizGrade, QuizQuestion } from "./types";

/** The grade of `answer` when `right` are the choices the simulator found right. */
export function explainChoice(
  question: QuizQuestion,
  answer: QuizAnswer | null,
  right: readonly QuizChoice[],
  how: { readonly fallback: Localized; readonly explanation: Localized },
): QuizGrade {
  const chosen =
    answer?.kind === "choice" ? question.choices.find((c) => c.id === answer.choice) : undefined;
  const correct = chosen !== undefined && right.some((c) => c.id === chosen.id);
  const expected =
    right.length > 0
      ? localized((lang) => right.map((c) => `${c.id}) ${c.label[lang]}`).join("; "))
      : how.fallback;
  const given = localized((lang) => {
    if (answer === null) return lang === "en" ? "Not answered." : "답하지 않았습니다.";
    if (!chosen)
      return lang === "en" ? "That is not one of the choices." : "선택지에 없는 답입니다.";
    return lang === "en"
      ? `You chose ${chosen.id}) ${chosen.label.en}: ${correct ? "right" : "wrong"}.`
      : `고른 답 ${chosen.id}) ${chosen.label.ko}: ${correct ? "맞음" : "틀림"}.`;
  });
  return { correct, expected, explanation: joinLines(given, how.explanation) };
}
