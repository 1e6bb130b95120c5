import { Box, Text } from "ink";
import { useMemo, useRef, useState } from "react";
import { resetLessons } from "../../progress/record";
import { useUi } from "../context";
import {
  type ContinuePoint,
  continuePoint,
  type HomeRow,
  homeRows,
  type LessonEntry,
  lessonNumber,
  lessonsDone,
} from "../home-model";
import { useKeys } from "../hooks/use-keys";
import { CONFIRM_KEYS, HOME_KEYS } from "../keys";
import { fitTo, padStartTo, padTo } from "../text";
import { HelpOverlay } from "../widgets/help-overlay";
import { KeyFooter } from "../widgets/key-footer";
import { wrapText } from "../wrap";

export interface HomeProps {
  readonly lessons: readonly LessonEntry[];
  /** Opens a lesson at a step index. */
  readonly onOpen: (lesson: LessonEntry, stepIndex: number) => void;
  readonly onToggleLang: () => void;
  /** Opens the side-by-side comparison of CNI modes. */
  readonly onCompare?: () => void;
  readonly onQuit: () => void;
  /** Messages to show once at the top (a progress file set aside…). */
  readonly notices: readonly string[];
  /** The `--lessons` pack's name, when it is used beside the built-in lessons. */
  readonly packLabel?: string;
  /** Exam mode: a lesson's progress cannot be forgotten (`r` says so). */
  readonly exam?: boolean;
}

/** The list: "continue" first (when there is somewhere to continue), then every lesson in order. */
type Item = { kind: "continue"; point: ContinuePoint } | { kind: "lesson"; row: HomeRow };

export function Home({
  lessons,
  onOpen,
  onToggleLang,
  onCompare,
  onQuit,
  notices,
  packLabel,
  exam,
}: HomeProps) {
  const ui = useUi();
  const { t, symbols, lang, columns, rows: height } = ui;
  // Read when the screen opens and after a reset, not at every key (each read is a file read).
  const [revision, setRevision] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: revision marks when the file changed
  const progress = useMemo(() => ui.progress.read(), [ui.progress, revision]);
  const rows = homeRows(lessons, progress);
  const point = continuePoint(rows, progress);
  const items: Item[] = [
    ...(point ? [{ kind: "continue", point } as const] : []),
    ...rows.map((row) => ({ kind: "lesson", row }) as const),
  ];
  const [selected, setSelectedState] = useState(0);
  // Enter (or r) may come before the render of the ↓ before it: they read the row from here,
  // as the trace viewer's list does.
  const selectedNow = useRef(0);
  const setSelected = (next: (i: number) => number) => {
    selectedNow.current = next(selectedNow.current);
    setSelectedState(selectedNow.current);
  };
  const [help, setHelp] = useState(false);
  const [confirming, setConfirming] = useState<LessonEntry | null>(null);
  const [examNotice, setExamNotice] = useState(false);
  const index = Math.min(selected, items.length - 1);

  useKeys(
    CONFIRM_KEYS,
    (action) => {
      const lesson = confirming;
      setConfirming(null);
      if (action !== "yes" || !lesson) return;
      ui.progress.update((p) => resetLessons(p, lesson.id));
      setRevision((n) => n + 1);
    },
    confirming !== null,
  );

  useKeys(HOME_KEYS, (action) => {
    if (confirming) return;
    setExamNotice(false);
    if (help) {
      if (action === "help" || action === "quit") setHelp(false);
      return;
    }
    switch (action) {
      case "up":
        setSelected((i) => Math.max(0, Math.min(i, items.length - 1) - 1));
        return;
      case "down":
        setSelected((i) => Math.min(items.length - 1, i + 1));
        return;
      case "open": {
        const item = items[Math.min(selectedNow.current, items.length - 1)];
        if (!item) return;
        if (item.kind === "continue") onOpen(item.point.lesson, item.point.stepIndex);
        else if (item.row.status.kind !== "locked") onOpen(item.row.lesson, 0);
        return;
      }
      case "lang":
        onToggleLang();
        return;
      case "compare":
        onCompare?.();
        return;
      case "reset": {
        const item = items[Math.min(selectedNow.current, items.length - 1)];
        if (exam) setExamNotice(true);
        else if (item?.kind === "lesson") setConfirming(item.row.lesson);
        return;
      }
      case "help":
        setHelp(true);
        return;
      case "quit":
        onQuit();
        return;
    }
  });

  if (help) return <HelpOverlay table={HOME_KEYS} />;

  const width = Math.max(20, columns - 2);
  const statusWidth = lang === "ko" ? 14 : 18;
  const minutesWidth = 8;
  // "+12" for a pack's lessons beside the built-in ones needs a column more than "12".
  const numberWidth = lessons.some((l) => l.fromPack) ? 3 : 2;
  const titleWidth = Math.max(10, width - 4 - numberWidth - statusWidth - minutesWidth);
  // Which lessons come from the pack, when it is beside the built-in ones: one line above the list.
  const legend =
    packLabel !== undefined && lessons.some((l) => l.fromPack)
      ? t("fromPackLegend", { pack: packLabel })
      : null;
  // Header 4 lines, notices, summary 3, footer 2: the rest is for the list, scrolled to the selection.
  // A long notice (an exam's hand-in command) wraps: count its lines, not the notices.
  const noticeLines = notices.flatMap((n) => wrapText(n, width));
  const room = Math.max(3, height - 10 - noticeLines.length - (legend === null ? 0 : 1));
  const first = Math.max(0, Math.min(index - Math.floor(room / 2), items.length - room));
  const visible = items.slice(first, first + room);

  const selectedItem = items[index];
  const selectedLesson =
    selectedItem?.kind === "continue" ? selectedItem.point.lesson : selectedItem?.row.lesson;

  return (
    <Box flexDirection="column" width={columns}>
      <Box justifyContent="space-between" width={width}>
        <Text bold>{t("appTitle")}</Text>
        <Text dimColor>{t("languageNow")}</Text>
      </Box>
      <Text>{fitTo(t("tagline"), width)}</Text>
      <Text dimColor>
        {t("progressLine", {
          done: lessonsDone(rows),
          total: rows.length,
          streak: progress.streak,
        })}
      </Text>
      {noticeLines.map((n, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows of wrapped text
        <Text key={`n${i}`} color="yellow">
          {n}
        </Text>
      ))}
      {legend === null ? null : <Text dimColor>{fitTo(legend, width)}</Text>}
      <Text> </Text>
      {items.length === 0 ? <Text>{t("noLessons", { dir: "lessons/" })}</Text> : null}
      {visible.map((item, i) => {
        const at = first + i;
        const isSelected = at === index;
        const pointer = isSelected ? symbols.pointer : " ";
        if (item.kind === "continue") {
          const { lesson, stepIndex, fresh } = item.point;
          const label = fresh
            ? t("startFirst", { lesson: lesson.title[lang] })
            : t("continue", {
                lesson: lesson.title[lang],
                step: stepIndex + 1,
                steps: lesson.stepIds.length,
              });
          return (
            <Text key="continue" bold={isSelected} color={isSelected ? "cyan" : undefined}>
              {pointer} {fitTo(label, width - 2)}
            </Text>
          );
        }
        const { lesson, status } = item.row;
        const mark = status.kind === "done" ? symbols.pass : status.kind === "locked" ? "-" : " ";
        const statusText =
          status.kind === "done"
            ? t("lessonDone")
            : status.kind === "in-progress"
              ? t("lessonInProgress", { done: status.done, steps: status.steps })
              : status.kind === "new"
                ? t("lessonNew")
                : t("lessonLocked", {
                    lessons: status.missing
                      .map((id) => {
                        const pre = lessons.find((l) => l.id === id);
                        return pre ? lessonNumber(pre) : id;
                      })
                      .join(", "),
                  });
        return (
          <Text
            key={lesson.id}
            bold={isSelected}
            color={isSelected ? "cyan" : undefined}
            dimColor={status.kind === "locked" && !isSelected}
          >
            {pointer} {mark} {padStartTo(lessonNumber(lesson), numberWidth)}{" "}
            {padTo(lesson.title[lang], titleWidth)} {padTo(statusText, statusWidth)}
            {padStartTo(t("minutes", { minutes: lesson.minutes }), minutesWidth)}
          </Text>
        );
      })}
      <Text> </Text>
      <Box height={2} width={width} flexDirection="column" overflow="hidden">
        {(selectedLesson ? wrapText(selectedLesson.summary[lang], width).slice(0, 2) : []).map(
          (text) => (
            <Text key={text} dimColor>
              {text}
            </Text>
          ),
        )}
      </Box>
      {confirming ? (
        <Text color="yellow">{t("confirmResetLesson", { lesson: confirming.title[lang] })}</Text>
      ) : examNotice ? (
        <Text color="yellow">{fitTo(t("examLessonResetOff"), width)}</Text>
      ) : (
        <KeyFooter table={HOME_KEYS} />
      )}
    </Box>
  );
}
