/**
 * Zod's findings about a lesson file, said in plain English for the author, each starting with
 * the path of the value it is about (`steps[2].hints: …`).
 */
import type { z } from "zod";
import { suggest } from "../cli/args";
import type { Path } from "../sim/cluster/load";

/** `steps[2].hints`, `clusters.two-nodes.nodes[0].ip`: keys joined by dots, indexes in brackets. */
export function formatPath(path: Path): string {
  let text = "";
  for (const key of path) text += typeof key === "number" ? `[${key}]` : text ? `.${key}` : key;
  return text;
}

/** The message for a problem at `path`, with the path in front (none for the whole file). */
export function atPath(path: Path, message: string): string {
  return path.length === 0 ? message : `${formatPath(path)}: ${message}`;
}

const LANGUAGES: Record<string, string> = { en: "English", ko: "Korean" };

function article(type: string): string {
  switch (type) {
    case "object":
      return "a mapping";
    case "array":
      return "a list";
    case "string":
      return "a string";
    case "number":
    case "int":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return type;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `a string ("${value}")`;
  return `${typeof value === "number" ? "a number" : typeof value} (${String(value)})`;
}

/**
 * One zod issue as a sentence (without the path), the path it is shown under, and the path of the
 * value it is located at (an unknown field is located at that field, shown under its mapping).
 */
export function describeLessonIssue(
  issue: z.core.$ZodIssue,
  fieldNames: readonly string[],
): { path: Path; shown: Path; message: string } {
  const path = issue.path as Path;
  const say = (message: string) => ({ path, shown: path, message });
  const last = path[path.length - 1];
  switch (issue.code) {
    case "invalid_type": {
      const input = (issue as { input?: unknown }).input;
      if (input === undefined) {
        if (typeof last === "string" && LANGUAGES[last] && issue.expected === "string")
          return say(`the ${LANGUAGES[last]} text is missing`);
        return say(`missing (${article(issue.expected)} is needed)`);
      }
      // A custom message (a text given as a plain string) says it better than the types.
      if (!issue.message.startsWith("Invalid input")) return say(issue.message);
      const quote =
        issue.expected === "string" && (typeof input === "number" || typeof input === "boolean")
          ? `; put it in quotes ("${String(input)}")`
          : "";
      return say(`expected ${article(issue.expected)}, found ${typeOf(input)}${quote}`);
    }
    case "invalid_value": {
      const input = (issue as { input?: unknown }).input;
      const values = issue.values.map((v) => String(v));
      const shown = values.map((v) => JSON.stringify(v)).join(", ");
      const near = typeof input === "string" ? suggest(input, values) : undefined;
      const found = input === undefined ? "missing" : `found ${JSON.stringify(input)}`;
      const hint = near ? `; did you mean "${near}"?` : "";
      // A long list (the drop reasons) is left out when the nearest value is a likely fix.
      if (values.length > 8 && near && typeof input === "string")
        return say(
          `${JSON.stringify(input)} is not one of the ${values.length} values this field takes${hint}`,
        );
      return say(
        `${values.length === 1 ? `must be ${shown}` : `must be one of ${shown}`} (${found})${hint}`,
      );
    }
    case "invalid_union": {
      const detail = issue as {
        note?: string;
        options?: unknown[];
        discriminator?: string;
        input?: unknown;
      };
      if (detail.note === "No matching discriminator" && Array.isArray(detail.options)) {
        const options = detail.options.map(String);
        // The input is the object whose discriminator (`kind`) matched no option.
        const holder = detail.input;
        const input =
          holder && typeof holder === "object" && detail.discriminator
            ? (holder as Record<string, unknown>)[detail.discriminator]
            : holder;
        if (input === undefined) return say(`missing: one of ${options.join(", ")}`);
        const near = typeof input === "string" ? suggest(input, options) : undefined;
        return say(
          `${JSON.stringify(input)} is not one of ${options.join(", ")}${near ? `; did you mean "${near}"?` : ""}`,
        );
      }
      return say(issue.message);
    }
    case "unrecognized_keys": {
      const key = issue.keys[0] as string;
      const near = suggest(key, fieldNames);
      const more = issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(", ")})` : "";
      return {
        path: [...path, key],
        shown: path,
        message: `unknown field "${key}"${more}${near ? `; did you mean "${near}"?` : ""}`,
      };
    }
    case "too_small":
    case "too_big": {
      if (!issue.message.startsWith("Too ")) return say(issue.message);
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const word = issue.code === "too_small" ? "at least" : "at most";
      const what =
        issue.origin === "array"
          ? `${word} ${bound} item${bound === 1 ? "" : "s"}`
          : issue.origin === "string"
            ? `${word} ${bound} character${bound === 1 ? "" : "s"}`
            : `${word} ${bound}`;
      return say(`must be ${what}`);
    }
    default:
      return say(issue.message);
  }
}
