import { tokenize } from "../script/tokenize";

/** What an installer writes after `ip -n NS` or `bridge -n NS`: text, or a `cmd` template. */
export type Words = string | Command;

/** A value in a `cmd` template: a name, an address, a number. */
type Value = string | number;

/**
 * One command's words, written as a template: cmd`link set ${veth} mtu ${mtu}`. The script
 * writer prints the text the template literal would make; the direct build takes the words
 * without making that text and splitting it again (some 2 million commands for 150,000 pods):
 * the text between the values is split once per template, and the words it gives are the same
 * strings every time, so devices, addresses and routes share them.
 */
export class Command {
  constructor(
    private readonly strings: TemplateStringsArray,
    private readonly values: readonly Value[],
  ) {}

  /** The command as the template literal would read. */
  text(): string {
    let out = this.strings[0] as string;
    for (let i = 0; i < this.values.length; i++)
      out += `${this.values[i]}${this.strings[i + 1] as string}`;
    return out;
  }

  /** The words, as `tokenize(this.text())` gives them. */
  split(): ReturnType<typeof tokenize> {
    const plan = planOf(this.strings);
    if (plan === null || !this.values.every(isPlainValue)) return tokenize(this.text());
    const words: string[] = [];
    // The word being built: text between values and the values it touches (`${ip}/32`).
    let word = "";
    for (let i = 0; i < plan.length; i++) {
      const piece = plan[i] as Piece;
      if (piece.words === null) word += piece.head;
      else {
        word += piece.head;
        if (word !== "") words.push(word);
        for (const w of piece.words) words.push(w);
        word = piece.tail;
      }
      if (i < this.values.length) word += this.values[i] as Value;
    }
    if (word !== "") words.push(word);
    return { ok: true, words };
  }
}

/** Tags a command template (see `Command`). */
export function cmd(strings: TemplateStringsArray, ...values: Value[]): Command {
  return new Command(strings, values);
}

/**
 * The text between two values, split at its spaces: `head` ends the word before it, `tail`
 * starts the word after it, and `words` are the whole words between (null: no space, so the
 * text, all in `head`, only joins the words on either side).
 */
interface Piece {
  readonly head: string;
  readonly words: readonly string[] | null;
  readonly tail: string;
}

/** Each template's pieces, split once; null for a template the shell would not split at spaces alone. */
const plans = new WeakMap<TemplateStringsArray, readonly Piece[] | null>();

function planOf(strings: TemplateStringsArray): readonly Piece[] | null {
  let plan = plans.get(strings);
  if (plan === undefined) {
    plan = strings.every((text) => isPlain(text, true)) ? strings.map(pieceOf) : null;
    plans.set(strings, plan);
  }
  return plan;
}

function pieceOf(text: string): Piece {
  const parts = text.split(" ");
  if (parts.length === 1) return { head: text, words: null, tail: "" };
  const words = parts.slice(1, -1).filter((w) => w !== "");
  return { head: parts[0] as string, words, tail: parts[parts.length - 1] as string };
}

/** A value the shell would read as it is, within one word. */
function isPlainValue(value: Value): boolean {
  return typeof value === "number" || isPlain(value, false);
}

/** Printable ASCII without quotes, escapes or comments (and without spaces in a value). */
function isPlain(text: string, spaces: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126 || c === 34 || c === 39 || c === 92 || c === 35) return false;
    if (c === 32 && !spaces) return false;
  }
  return true;
}
