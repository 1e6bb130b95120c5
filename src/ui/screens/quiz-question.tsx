/**
 * One question waiting for its answer: the prompt, then the choices (a select list, as a
 * lesson's choice step has) or the node shell of a fix-it. When they do not all fit, the prompt
 * shrinks to its first lines (t shows it whole) so the choices or the shell stay on screen.
 */
import { Box, Text } from "ink";
import type { QuizQuestion } from "../../quiz/types";
import { useUi } from "../context";
import { keyLabel } from "../keys";
import { wrapIndented } from "../quiz-lines";
import { shownText } from "../symbols";
import { ChoiceList } from "../widgets/choice-list";
import { NodeShellView } from "../widgets/node-shell";
import type { RecordingShell } from "../widgets/recording-shell";
import type { Line } from "../widgets/scroll-view";
import { wrapText } from "../wrap";

export interface QuestionBodyProps {
  readonly question: QuizQuestion;
  readonly height: number;
  /** The choice list has the keys. */
  readonly active: boolean;
  /** The fix-it shell has the keys. */
  readonly shellFocused: boolean;
  readonly shell: RecordingShell | null;
  /** A line above the question (exam mode: the last answer was recorded). */
  readonly notice: string | null;
  readonly onChoice: (choiceId: string) => void;
  readonly onShellLine: (line: string) => void;
}

/**
 * Lines a fix-it prompt may keep above the shell: half the body, and at least the six of a
 * lesson's fix step. A quiz prompt carries the whole setting (cluster, fault, what to repair),
 * and the shell still has room for a few commands and their output.
 */
function fixPromptLines(height: number): number {
  return Math.max(6, Math.floor(height / 2));
}

export function QuestionBody({
  question,
  height,
  active,
  shellFocused,
  shell,
  notice,
  onChoice,
  onShellLine,
}: QuestionBodyProps) {
  const { t, lang, columns, ascii, symbols } = useUi();
  const width = Math.max(30, columns - 1);
  const prompt: Line[] = wrapIndented(question.prompt[lang], width).map((text) => ({ text }));
  const noticeRows = notice === null ? 0 : 1;
  const choiceRows =
    question.choices.reduce((n, c) => n + wrapText(c.label[lang], width - 2).length, 0) + 1;
  // The widget's rows and the blank line above it.
  const widgetRows =
    question.kind === "fix-it"
      ? Math.max(5, height - noticeRows - Math.min(prompt.length, fixPromptLines(height)) - 1)
      : choiceRows;
  const room = Math.max(1, height - noticeRows - widgetRows - 1);
  const shown =
    prompt.length <= room
      ? prompt
      : [...prompt.slice(0, Math.max(1, room - 1)), { text: t("quizQuestionMore"), dim: true }];
  const items = question.choices.map((c) => ({ key: c.id, value: c.id, label: c.label[lang] }));
  // flexShrink 0: should the estimate be short, the body is cut at the bottom by its parent,
  // instead of Yoga squeezing every line (which garbles them).
  return (
    <Box flexDirection="column" flexShrink={0}>
      {notice !== null ? <Text color="green">{notice}</Text> : null}
      {shown.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of wrapped text
        <Text key={i} dimColor={l.dim}>
          {l.text === "" ? " " : shownText(l.text, ascii)}
        </Text>
      ))}
      <Box marginTop={1} flexDirection="column" flexShrink={0}>
        {question.kind === "fix-it" && shell ? (
          <NodeShellView
            shell={shell}
            height={widgetRows - 1}
            isActive={shellFocused}
            onRan={(line) => onShellLine(line)}
          />
        ) : (
          <>
            <ChoiceList items={items} isActive={active} onSelect={(item) => onChoice(item.value)} />
            <Text dimColor>
              {t("quizChoiceHelp", {
                updown: keyLabel("up", ascii) + keyLabel("down", ascii),
                sep: symbols.bullet,
              })}
            </Text>
          </>
        )}
      </Box>
    </Box>
  );
}
