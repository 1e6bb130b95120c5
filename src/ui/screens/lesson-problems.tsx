import { Box, Text } from "ink";
import { useUi } from "../context";
import { useKeys } from "../hooks/use-keys";
import { FIELD_KEYS } from "../keys";
import type { LessonRuntime } from "../lesson-runtime";

/** A lesson the catalogue lists but that did not load: its problems, as `validate` prints them. */
export function LessonProblems({
  runtime,
  lessonId,
  onExit,
}: {
  readonly runtime: LessonRuntime;
  readonly lessonId: string;
  readonly onExit: () => void;
}) {
  const { t } = useUi();
  useKeys(FIELD_KEYS, onExit);
  useKeys([{ action: "back", keys: ["q"], label: "keyBack" }], onExit);
  const problems = runtime.problems.slice(0, 10);
  return (
    <Box flexDirection="column">
      <Text color="red">{t("lessonBroken", { lesson: lessonId })}</Text>
      {problems.map((p) => (
        <Text key={`${p.file}:${p.line}:${p.col}:${p.message}`} wrap="truncate-end">
          {`${p.file}:${p.line}:${p.col}: ${p.message}`}
        </Text>
      ))}
      <Text dimColor>{t("keyBack")}: q / Esc</Text>
    </Box>
  );
}
