/**
 * Every string the TUI itself says, in English and Korean. The Korean catalogue is typed
 * against the English one, so a message missing in either is a type error. `{name}` is filled
 * by `format`. Lesson content carries its own `en`/`ko` texts; these are only the frame around it.
 */
import type { Lang } from "./locale";

const en = {
  appTitle: "podnet-learn",
  tagline: "How a packet gets from Pod A to Pod B, and how a Service IP becomes a pod IP",
  progressLine: "{done} of {total} lessons done · streak {streak} without hints",
  continue: "Continue: {lesson} (step {step} of {steps})",
  startFirst: "Start: {lesson}",
  lessonDone: "done",
  lessonInProgress: "{done}/{steps}",
  lessonNew: "new",
  lessonLocked: "after lesson {lessons}",
  minutes: "{minutes} min",
  noLessons: "No lessons found in {dir}.",
  stepOf: "step {n} of {total}",
  tooSmall: "The terminal is {cols}×{rows}; podnet-learn needs at least {minCols}×{minRows}.",
  tooSmallHint: "Make the window bigger, or press q to quit.",
  setAside:
    "Your progress file could not be read ({reason}); it was moved to {path} and progress starts afresh.",
  languageNow: "Language: English (l: 한국어)",
  helpTitle: "Keys on this screen",
  helpClose: "Press ? or Esc to close",
  keyUpDown: "move",
  keyOpen: "open",
  keyBack: "back",
  keyQuit: "quit",
  keyHelp: "this help",
  keyLang: "switch language",
  keyNext: "next step",
  keyPrev: "previous step",
  keyHint: "show a hint",
  keySubmit: "check the answer",
  keyReset: "reset",
  keyTask: "re-read the task",
  keyHistory: "earlier answers",
  keyTrace: "see the trace",
  keyCompare: "reference answer",
  hint: "Hint {n} of {total}",
  noMoreHints: "That was the last hint.",
  goal: "Goal",
  yourAnswer: "Your answer",
  checking: "Checking…",
  passed: "✓ Correct",
  failed: "✗ Not yet",
  referenceAnswer: "Reference answer",
  pathTaken: "Path taken",
  diedAt: "Where it stopped",
  nextHint: "Next hint ({key})",
  lessonComplete: "✓ Lesson complete",
  confirmReset: "Reset this exercise? y: yes, n: no",
  parseOk: "parses as a route",
} as const;

export type MessageKey = keyof typeof en;

const ko: Record<MessageKey, string> = {
  appTitle: "podnet-learn",
  tagline: "패킷이 파드 A에서 파드 B로 가는 길, Service IP가 파드 IP로 바뀌는 과정",
  progressLine: "레슨 {total}개 중 {done}개 완료 · 힌트 없이 연속 {streak}문제",
  continue: "이어서 하기: {lesson} ({steps}단계 중 {step}단계)",
  startFirst: "시작하기: {lesson}",
  lessonDone: "완료",
  lessonInProgress: "{done}/{steps}",
  lessonNew: "새 레슨",
  lessonLocked: "{lessons}번 레슨 후",
  minutes: "{minutes}분",
  noLessons: "{dir}에서 레슨을 찾지 못했습니다.",
  stepOf: "{total}단계 중 {n}단계",
  tooSmall:
    "터미널 크기가 {cols}×{rows}입니다. podnet-learn은 최소 {minCols}×{minRows}이 필요합니다.",
  tooSmallHint: "창을 키우거나 q를 눌러 종료하세요.",
  setAside:
    "진행 상황 파일을 읽을 수 없어({reason}) {path}(으)로 옮겨 두었습니다. 진행 상황은 처음부터 다시 기록됩니다.",
  languageNow: "언어: 한국어 (l: English)",
  helpTitle: "이 화면의 키",
  helpClose: "? 또는 Esc를 누르면 닫힙니다",
  keyUpDown: "이동",
  keyOpen: "열기",
  keyBack: "뒤로",
  keyQuit: "종료",
  keyHelp: "이 도움말",
  keyLang: "언어 바꾸기",
  keyNext: "다음 단계",
  keyPrev: "이전 단계",
  keyHint: "힌트 보기",
  keySubmit: "답 확인",
  keyReset: "초기화",
  keyTask: "문제 다시 읽기",
  keyHistory: "이전에 입력한 답",
  keyTrace: "트레이스 보기",
  keyCompare: "모범 답안",
  hint: "힌트 {n}/{total}",
  noMoreHints: "마지막 힌트였습니다.",
  goal: "목표",
  yourAnswer: "내 답",
  checking: "확인하는 중…",
  passed: "✓ 정답입니다",
  failed: "✗ 아직 아닙니다",
  referenceAnswer: "모범 답안",
  pathTaken: "패킷이 지나간 경로",
  diedAt: "패킷이 멈춘 곳",
  nextHint: "다음 힌트 ({key})",
  lessonComplete: "✓ 레슨 완료",
  confirmReset: "이 문제를 초기화할까요? y: 예, n: 아니요",
  parseOk: "라우트로 해석됩니다",
};

const catalogues: Record<Lang, Record<MessageKey, string>> = { en, ko };

/** The message in `lang`, with `{name}` placeholders filled from `values`. */
export function t(
  lang: Lang,
  key: MessageKey,
  values: Readonly<Record<string, string | number>> = {},
): string {
  return catalogues[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
