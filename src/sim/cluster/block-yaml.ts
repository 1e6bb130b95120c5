/**
 * A quick reader for the plain block YAML that cluster files are written in. The `yaml` package
 * takes seconds over a 150,000-pod file: its parser walks generators token by token and keeps a
 * syntax tree and a Document of the whole file, every node with its position. This reads a strict
 * subset in one pass over the lines: block mappings and sequences, one-line plain or quoted
 * scalars, `[a, b]` lists and comments. On anything else (anchors, tags, flow mappings, multi-line
 * or escaped scalars, duplicate keys, tabs, any syntax error) it gives up and returns null, and the
 * caller reads the file with `yaml`, which also knows where each problem is. When it does read a
 * text, the value is the one `parseDocument(text).toJS()` gives, with no YAML error
 * (test/cni/cluster-file-reader.test.ts compares the two on generated files).
 */

/** A line with content: its indentation and the rest (comment-only and blank lines are dropped). */
interface Line {
  indent: number;
  text: string;
}

type Scalar = string | number | boolean | null;

/** Thrown inside the reader when the text leaves the subset; caught by `readBlockYaml`. */
class OutsideSubset extends Error {}

const outside = (): never => {
  throw new OutsideSubset();
};

/**
 * Anything but a newline, printable ASCII and the printable rest of the Basic Multilingual Plane:
 * control characters, line and paragraph separators, the byte order mark and surrogates (a lone
 * one, or an emoji's pair) are where YAML gives characters a meaning of their own or refuses them.
 */
const UNUSUAL_CHAR = /[^\n -~\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** A mapping key: a plain word followed by `:` and a space or the end of the line. */
const KEY = /^([A-Za-z][A-Za-z0-9_-]*):(?: |$)/;
/** A plain scalar that needs no escaping and cannot be read as an indicator, in block context. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9 ._/()+,-]*$/;
/** The same inside `[…]`, where a comma ends it. */
const FLOW_PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/;
/** A decimal integer that is a safe JavaScript number (the core schema reads `0123` as 123: left to `yaml`). */
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
/** The YAML 1.2 core schema's words for null and the booleans; no others start with a letter. */
const WORDS = new Map<string, Scalar>([
  ["null", null],
  ["Null", null],
  ["NULL", null],
  ["true", true],
  ["True", true],
  ["TRUE", true],
  ["false", false],
  ["False", false],
  ["FALSE", false],
]);

/** The document's value, or null when the text is not in the subset this reader knows. */
export function readBlockYaml(text: string): { value: unknown } | null {
  try {
    const lines = contentLines(text);
    if (lines.length === 0) return null;
    const reader = new BlockReader(lines);
    const value = reader.node(0);
    return reader.done() ? { value } : null;
  } catch (e) {
    if (e instanceof OutsideSubset) return null;
    throw e;
  }
}

function contentLines(text: string): Line[] {
  const unix = text.includes("\r") ? text.replaceAll("\r\n", "\n") : text;
  if (UNUSUAL_CHAR.test(unix)) outside();
  const lines: Line[] = [];
  for (const raw of unix.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    const rest = trimSpaces(raw.slice(indent));
    if (rest === "" || rest.startsWith("#")) continue;
    lines.push({ indent, text: rest });
  }
  return lines;
}

/**
 * Without the spaces at either end. Not String.trim, which also takes no-break and other Unicode
 * spaces that YAML keeps as part of a scalar (its only white space is the space and the tab).
 */
function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** `- ` (or a lone `-`) opens a block sequence entry. */
function isSeqEntry(text: string): boolean {
  return text.startsWith("- ") || text === "-";
}

class BlockReader {
  private pos = 0;

  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.pos === this.lines.length;
  }

  /** The block collection at the next line, which is indented at least `minIndent`. */
  node(minIndent: number): unknown {
    const line = this.lines[this.pos] ?? outside();
    if (line.indent < minIndent) outside();
    return isSeqEntry(line.text) ? this.sequence(line.indent) : this.mapping(line.indent);
  }

  private peek(): Line | undefined {
    return this.lines[this.pos];
  }

  /**
   * A deeper line after an entry would continue a scalar over lines or be misplaced; a shallower
   * one must close this collection at a column an enclosing one is at (the callers check that).
   */
  private endOfEntry(col: number): void {
    const next = this.peek();
    if (next && next.indent > col) outside();
  }

  private sequence(col: number): unknown[] {
    const items: unknown[] = [];
    for (
      let line = this.peek();
      line?.indent === col && isSeqEntry(line.text);
      line = this.peek()
    ) {
      const rest = trimSpaces(line.text.slice(1));
      if (rest === "" || isSeqEntry(rest)) outside();
      if (KEY.test(rest)) {
        // `- name: a`: a mapping whose keys are at the column of `name`.
        const itemCol = col + (line.text.length - rest.length);
        this.lines[this.pos] = { indent: itemCol, text: rest };
        items.push(this.mapping(itemCol));
      } else {
        items.push(inlineValue(rest));
        this.pos++;
      }
      this.endOfEntry(col);
    }
    return items;
  }

  private mapping(col: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.peek(); line?.indent === col; line = this.peek()) {
      const key = KEY.exec(line.text)?.[1] ?? outside();
      // uniqueKeys: `yaml` refuses a repeated key; so does `WORDS` turning a key into null or a boolean.
      if (Object.hasOwn(map, key) || WORDS.has(key)) outside();
      const rest = trimSpaces(line.text.slice(key.length + 1));
      this.pos++;
      map[key] = rest === "" || rest.startsWith("#") ? this.blockValue(col) : inlineValue(rest);
      this.endOfEntry(col);
    }
    return map;
  }

  /** The value of `key:` with nothing after it: a deeper block, a sequence at the key's column, or null. */
  private blockValue(col: number): unknown {
    const next = this.peek();
    if (next && next.indent > col) return this.node(col + 1);
    if (next && next.indent === col && isSeqEntry(next.text)) return this.sequence(col);
    return null;
  }
}

/** A value on the same line as its key or `- `: a quoted or plain scalar, or a `[…]` list. */
function inlineValue(text: string): unknown {
  const first = text[0];
  if (first === '"' || first === "'") return quoted(text);
  if (first === "[") return flowList(text);
  const hash = text.indexOf(" #");
  return plainScalar(trimSpaces(hash < 0 ? text : text.slice(0, hash)), PLAIN);
}

/** Only what follows a closing quote or bracket: nothing, or a comment after a space. */
function endsLine(after: string): void {
  if (after !== "" && !/^ +#/.test(after)) outside();
}

/** A one-line quoted scalar with no escapes (`\` in "…", `''` in '…'): its text as written. */
function quoted(text: string): string {
  const quote = text[0] as string;
  const end = text.indexOf(quote, 1);
  if (end < 0) outside();
  const body = text.slice(1, end);
  if (quote === '"' && body.includes("\\")) outside();
  if (quote === "'" && text[end + 1] === "'") outside();
  endsLine(text.slice(end + 1));
  return body;
}

/** `[a, b]` on one line, of plain scalars. */
function flowList(text: string): Scalar[] {
  const end = text.indexOf("]");
  if (end < 0) outside();
  endsLine(text.slice(end + 1));
  const inner = trimSpaces(text.slice(1, end));
  if (inner === "") return [];
  return inner.split(",").map((item) => plainScalar(trimSpaces(item), FLOW_PLAIN));
}

/**
 * How the core schema reads a plain scalar. One that starts with a letter is a string unless it
 * is a word for null or a boolean; one that starts with a digit is a number if it is an integer,
 * and a string if it has a slash, a space or two dots (an address, a CIDR), which no number has.
 * Anything else (floats, hex, octal, `1_000`, leading zeros) is left to `yaml`.
 */
function plainScalar(text: string, allowed: RegExp): Scalar {
  if (!allowed.test(text)) outside();
  const first = text.charCodeAt(0);
  if (first > 57) return WORDS.has(text) ? (WORDS.get(text) as Scalar) : text;
  if (DECIMAL.test(text)) return Number(text);
  if (text.includes("/") || text.includes(" ") || text.indexOf(".") !== text.lastIndexOf("."))
    return text;
  return outside();
}
