/** Small pieces of the text the commands print. */

/**
 * A word as a POSIX shell needs it written, so a suggested command line can be pasted: as it is
 * when the shell would neither split nor expand it, else in single quotes.
 */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `3 lessons`, `1 lesson`: English count and noun. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
