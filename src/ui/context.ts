/**
 * What every screen reads: the language, the symbols, the terminal's size, and the progress
 * store. Screens get it from one React context instead of threading props through every level.
 */
import { createContext, useContext } from "react";
import type { Progress } from "../progress/schema";
import type { Lang } from "./i18n/locale";
import { type MessageKey, t } from "./i18n/messages";
import type { Symbols } from "./symbols";

/** The store as the UI uses it (the conf-backed one, or a plain object in tests). */
export interface ProgressAccess {
  read(): Progress;
  update(change: (progress: Progress) => void): Progress;
}

export interface UiContext {
  readonly lang: Lang;
  readonly symbols: Symbols;
  readonly ascii: boolean;
  readonly columns: number;
  readonly rows: number;
  readonly progress: ProgressAccess;
  /** The clock, injected so tests decide what time it is. */
  readonly now: () => Date;
}

export const Ui = createContext<UiContext | null>(null);

export function useUi(): UiContext & {
  t: (key: MessageKey, values?: Readonly<Record<string, string | number>>) => string;
} {
  const ui = useContext(Ui);
  if (!ui) throw new Error("useUi outside <Ui.Provider>");
  return { ...ui, t: (key, values) => t(ui.lang, key, values) };
}
