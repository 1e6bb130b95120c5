/**
 * Every key of every screen, in one table per screen: the input handlers match against it and
 * the help overlay (`?`) is drawn from it, so the two cannot disagree.
 *
 * A Korean keyboard in 한글 mode sends jamo for the letter keys (q arrives as ㅂ, j as ㅓ): each
 * letter also matches its 2-beolsik jamo, so shortcuts work without switching input modes.
 */
import type { Key } from "ink";
import type { MessageKey } from "./i18n/messages";

/** A named key (`up`, `return`, `escape`…) or one printable character. */
export type KeyName =
  | "up"
  | "down"
  | "left"
  | "right"
  | "return"
  | "escape"
  | "tab"
  | "shift-tab"
  | "backspace"
  | "pageup"
  | "pagedown"
  | (string & {});

export interface KeyBinding<Action extends string> {
  readonly action: Action;
  readonly keys: readonly KeyName[];
  /** What the help overlay says the key does. */
  readonly label: MessageKey;
  /** Listed in the one-line footer too (default); the help overlay always lists it. */
  readonly footer?: boolean;
}

/** The 2-beolsik layout: the jamo each Latin letter key sends in 한글 mode. */
const JAMO: Readonly<Record<string, string>> = {
  q: "ㅂ",
  w: "ㅈ",
  e: "ㄷ",
  r: "ㄱ",
  t: "ㅅ",
  y: "ㅛ",
  u: "ㅕ",
  i: "ㅑ",
  o: "ㅐ",
  p: "ㅔ",
  a: "ㅁ",
  s: "ㄴ",
  d: "ㅇ",
  f: "ㄹ",
  g: "ㅎ",
  h: "ㅗ",
  j: "ㅓ",
  k: "ㅏ",
  l: "ㅣ",
  z: "ㅋ",
  x: "ㅌ",
  c: "ㅊ",
  v: "ㅍ",
  b: "ㅠ",
  n: "ㅜ",
  m: "ㅡ",
};

/** The key Ink reported, as one of the names above (null for keys no binding uses). */
export function keyNameOf(input: string, key: Key): KeyName | null {
  if (key.upArrow) return "up";
  if (key.downArrow) return "down";
  if (key.leftArrow) return "left";
  if (key.rightArrow) return "right";
  if (key.return) return "return";
  if (key.escape) return "escape";
  if (key.tab) return key.shift ? "shift-tab" : "tab";
  if (key.backspace || key.delete) return "backspace";
  if (key.pageUp) return "pageup";
  if (key.pageDown) return "pagedown";
  if (key.ctrl || key.meta) return null;
  return input.length === 1 ? input : null;
}

function matches(binding: KeyName, pressed: KeyName): boolean {
  return binding === pressed || (binding.length === 1 && JAMO[binding] === pressed);
}

/** The action bound to the pressed key, if any. */
export function actionFor<Action extends string>(
  table: readonly KeyBinding<Action>[],
  input: string,
  key: Key,
): Action | null {
  const pressed = keyNameOf(input, key);
  if (pressed === null) return null;
  for (const binding of table) {
    if (binding.keys.some((k) => matches(k, pressed))) return binding.action;
  }
  return null;
}

/** How a key is written in the help overlay and the footer. */
export function keyLabel(name: KeyName, ascii: boolean): string {
  switch (name) {
    case "up":
      return ascii ? "Up" : "↑";
    case "down":
      return ascii ? "Down" : "↓";
    case "left":
      return ascii ? "Left" : "←";
    case "right":
      return ascii ? "Right" : "→";
    case "return":
      return "Enter";
    case "escape":
      return "Esc";
    case " ":
      return "Space";
    case "tab":
      return "Tab";
    case "shift-tab":
      return "Shift+Tab";
    case "backspace":
      return "Backspace";
    case "pageup":
      return "PgUp";
    case "pagedown":
      return "PgDn";
    default:
      return name;
  }
}

export type HomeAction = "up" | "down" | "open" | "lang" | "compare" | "reset" | "help" | "quit";

export const HOME_KEYS: readonly KeyBinding<HomeAction>[] = [
  { action: "up", keys: ["up", "k"], label: "keyUpDown" },
  { action: "down", keys: ["down", "j"], label: "keyUpDown" },
  { action: "open", keys: ["return"], label: "keyOpen" },
  { action: "lang", keys: ["l"], label: "keyLang" },
  { action: "compare", keys: ["c"], label: "keyCompare2" },
  { action: "reset", keys: ["r"], label: "keyResetLesson", footer: false },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "quit", keys: ["q", "escape"], label: "keyQuit" },
];

export type TraceAction = "prev" | "next" | "first" | "last" | "play" | "list" | "help" | "back";

export const TRACE_KEYS: readonly KeyBinding<TraceAction>[] = [
  { action: "prev", keys: ["left", "h"], label: "keyStep" },
  { action: "next", keys: ["right", "l"], label: "keyStep" },
  { action: "first", keys: ["g"], label: "keyEnds" },
  { action: "last", keys: ["G"], label: "keyEnds" },
  { action: "play", keys: [" "], label: "keyPlay" },
  { action: "list", keys: ["tab"], label: "keyList" },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "back", keys: ["q", "escape"], label: "keyBack" },
];

export type TraceListAction = "up" | "down" | "jump" | "list" | "help" | "back";

export const TRACE_LIST_KEYS: readonly KeyBinding<TraceListAction>[] = [
  { action: "up", keys: ["up", "k"], label: "keyUpDown" },
  { action: "down", keys: ["down", "j"], label: "keyUpDown" },
  { action: "jump", keys: ["return"], label: "keyJump" },
  { action: "list", keys: ["tab"], label: "keyList" },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "back", keys: ["q", "escape"], label: "keyBack" },
];

export type CompareAction = "left" | "right" | "help" | "back";

export const COMPARE_KEYS: readonly KeyBinding<CompareAction>[] = [
  { action: "left", keys: ["left", "h"], label: "keyColumns" },
  { action: "right", keys: ["right", "l"], label: "keyColumns" },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "back", keys: ["q", "escape"], label: "keyBack" },
];

export type LessonAction =
  | "prev"
  | "next"
  | "hint"
  | "answer"
  | "trace"
  | "task"
  | "steps"
  | "reset"
  | "focus"
  | "help"
  | "back";

/** Keys of the lesson screen when no text field has focus (letters are free). */
export const LESSON_KEYS: readonly KeyBinding<LessonAction>[] = [
  { action: "prev", keys: ["left", "p"], label: "keySteps" },
  { action: "next", keys: ["right", "n"], label: "keySteps" },
  { action: "focus", keys: ["return", "tab"], label: "keyFocus" },
  { action: "hint", keys: ["h"], label: "keyHint" },
  { action: "trace", keys: ["v"], label: "keyTrace" },
  { action: "task", keys: ["t"], label: "keyTask", footer: false },
  { action: "steps", keys: ["s"], label: "keyStepList", footer: false },
  { action: "answer", keys: ["a"], label: "keyCompare", footer: false },
  { action: "reset", keys: ["r"], label: "keyReset", footer: false },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "back", keys: ["q", "escape"], label: "keyBack" },
];

/** While a text field has focus only keys that type nothing act: Esc leaves the field. */
export const FIELD_KEYS: readonly KeyBinding<"leave">[] = [
  { action: "leave", keys: ["escape"], label: "keyLeave" },
];

export type ConfirmAction = "yes" | "no";

export const CONFIRM_KEYS: readonly KeyBinding<ConfirmAction>[] = [
  { action: "yes", keys: ["y"], label: "keyReset" },
  { action: "no", keys: ["n", "escape"], label: "keyBack" },
];

export type ScrollAction = "up" | "down" | "pageup" | "pagedown";

export const SCROLL_KEYS: readonly KeyBinding<ScrollAction>[] = [
  { action: "up", keys: ["up", "k"], label: "keyScroll" },
  { action: "down", keys: ["down", "j"], label: "keyScroll" },
  { action: "pageup", keys: ["pageup"], label: "keyScroll" },
  { action: "pagedown", keys: ["pagedown", " "], label: "keyScroll" },
];

/**
 * The lesson screen's keys in an exam: `h` and `a` stay bound (pressing them says they are off,
 * rather than doing nothing), but the footer does not offer them and the help overlay says so.
 */
export const EXAM_LESSON_KEYS: readonly KeyBinding<LessonAction>[] = LESSON_KEYS.map((binding) =>
  binding.action === "hint"
    ? { ...binding, label: "examKeyHintOff", footer: false }
    : binding.action === "answer"
      ? { ...binding, label: "examKeyAnswerOff", footer: false }
      : binding,
);

// The quiz (`podnet-learn quiz`): src/ui/screens/quiz.tsx.

export type QuizAction =
  | "choose"
  | "answer"
  | "check"
  | "skip"
  | "back"
  | "question"
  | "finish"
  | "help"
  | "quit";

/** A choice question: the select list takes ↑↓ (j k), Enter and 1-9; the rest are the screen's. */
export const QUIZ_CHOICE_KEYS: readonly KeyBinding<QuizAction>[] = [
  { action: "choose", keys: ["up", "down"], label: "keyQuizChoose", footer: false },
  { action: "answer", keys: ["return"], label: "keyQuizAnswer", footer: false },
  { action: "skip", keys: ["s", "right"], label: "keyQuizSkip" },
  { action: "back", keys: ["b", "left"], label: "keyQuizBack" },
  { action: "question", keys: ["t"], label: "keyQuizQuestion", footer: false },
  { action: "finish", keys: ["f"], label: "keyQuizFinish", footer: false },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "quit", keys: ["q", "escape"], label: "keyQuit" },
];

/** A fix-it question once Esc has left the shell (letters are free). */
export const QUIZ_SHELL_KEYS: readonly KeyBinding<QuizAction>[] = [
  { action: "answer", keys: ["return", "tab"], label: "keyQuizShell" },
  { action: "check", keys: ["c"], label: "keyQuizCheck" },
  { action: "skip", keys: ["s", "right"], label: "keyQuizSkip" },
  { action: "back", keys: ["b", "left"], label: "keyQuizBack", footer: false },
  { action: "question", keys: ["t"], label: "keyQuizQuestion", footer: false },
  { action: "finish", keys: ["f"], label: "keyQuizFinish", footer: false },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "quit", keys: ["q", "escape"], label: "keyQuit" },
];

export type QuizFeedbackAction = "continue" | "scroll" | "finish" | "help" | "quit";

/** After an answer (practice mode): the grade and the explanation scroll with ↑↓. */
export const QUIZ_FEEDBACK_KEYS: readonly KeyBinding<QuizFeedbackAction>[] = [
  { action: "continue", keys: ["return", "right", "n"], label: "keyQuizContinue" },
  // The scroll view takes these; listed so the help overlay shows them.
  {
    action: "scroll",
    keys: ["up", "down", "pageup", "pagedown"],
    label: "keyScroll",
    footer: false,
  },
  { action: "finish", keys: ["f"], label: "keyQuizFinish", footer: false },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "quit", keys: ["q", "escape"], label: "keyQuit" },
];

export type QuizResultsAction = "scroll" | "help" | "close";

/** The results: they scroll with ↑↓ and PgUp/PgDn; closing ends the sitting. */
export const QUIZ_RESULTS_KEYS: readonly KeyBinding<QuizResultsAction>[] = [
  { action: "scroll", keys: ["up", "down", "pageup", "pagedown"], label: "keyScroll" },
  { action: "help", keys: ["?"], label: "keyHelp" },
  { action: "close", keys: ["q", "escape", "return"], label: "keyQuizClose" },
];

export type QuizConfirmAction = "yes" | "no";

export const QUIZ_CONFIRM_KEYS: readonly KeyBinding<QuizConfirmAction>[] = [
  { action: "yes", keys: ["y"], label: "keyQuizYes" },
  { action: "no", keys: ["n", "escape"], label: "keyQuizNo" },
];
