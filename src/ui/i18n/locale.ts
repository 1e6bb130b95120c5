/**
 * Which language to speak: `--lang` wins, then the language saved on the home screen, then the
 * POSIX locale variables in their order of precedence (LC_ALL, LC_MESSAGES, LANG), then English.
 */
import { isLang, type Lang } from "../../lang";

export { isLang, type Lang };

/** `ko_KR.UTF-8`, `ko`, `ko-KR` → ko; anything else we do not speak → null. */
export function langOfLocale(locale: string | undefined): Lang | null {
  if (!locale) return null;
  const language = locale.split(/[_.@-]/)[0]?.toLowerCase();
  return language !== undefined && isLang(language) ? language : null;
}

export function pickLang(
  flag: string | undefined,
  saved: Lang | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Lang {
  if (flag !== undefined && isLang(flag)) return flag;
  if (saved) return saved;
  // The first variable that is set decides, even when it names a language we do not have
  // (LC_ALL=C means "no translation"): that is how gettext reads them.
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"]) {
    const value = env[name];
    if (value) return langOfLocale(value) ?? "en";
  }
  return "en";
}
