/** The languages learners read podnet-learn in. */
export type Lang = "en" | "ko";

export function isLang(value: string): value is Lang {
  return value === "en" || value === "ko";
}
