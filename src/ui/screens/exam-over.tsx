import { Box, Text, useApp } from "ink";
import { useMemo } from "react";
import { useUi } from "../context";
import type { LessonEntry } from "../home-model";
import { useKeys } from "../hooks/use-keys";
import { wrapText } from "../wrap";

export interface ExamOverProps {
  readonly lessons: readonly LessonEntry[];
  /** The exercises (steps that are not read steps) of each lesson, by lesson id. */
  readonly exercises: ReadonlyMap<string, readonly string[]>;
  /** The command that exports this exam's result, with the name written as given. */
  readonly exportCommand: (yourName: string) => string;
}

/**
 * What the learner sees when the exam's time runs out: answering has stopped, their result so
 * far, and the command that hands it in. Only q (or Esc, or Ctrl+C) leaves it.
 */
export function ExamOver({ lessons, exercises, exportCommand }: ExamOverProps) {
  const ui = useUi();
  const { t, columns } = ui;
  const { exit } = useApp();
  useKeys([{ action: "quit", keys: ["q", "escape"], label: "keyQuit" }], () => exit());
  const result = useMemo(() => {
    const progress = ui.progress.read();
    let passed = 0;
    let total = 0;
    let finished = 0;
    for (const lesson of lessons) {
      const steps = progress.lessons[lesson.id]?.steps ?? {};
      const ids = exercises.get(lesson.id) ?? [];
      total += ids.length;
      passed += ids.filter((id) => steps[id]?.done === true).length;
      if (lesson.stepIds.length > 0 && lesson.stepIds.every((id) => steps[id]?.done === true))
        finished++;
    }
    return { passed, total, finished };
  }, [ui.progress, lessons, exercises]);
  const width = Math.max(20, columns - 2);
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold color="magenta">
        {t("examOverTitle")}
      </Text>
      <Text> </Text>
      {wrapText(
        t("examOverScore", {
          passed: result.passed,
          total: result.total,
          lessons: result.finished,
          allLessons: lessons.length,
        }),
        width,
      ).map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      <Text> </Text>
      <Text>{t("examOverSaved")}</Text>
      {wrapText(exportCommand(t("examYourName")), width - 2).map((line) => (
        <Text key={line} bold>
          {"  "}
          {line}
        </Text>
      ))}
      <Text> </Text>
      <Text dimColor>{t("examOverQuit")}</Text>
    </Box>
  );
}
