/**
 * The progress commands' specs. Their runners (progress-run.ts) load conf, so they are imported
 * only when one of these commands runs: every other command starts without it.
 */
import { type CommandSpec, NO_COLOR_OPTION, withHelp } from "./args";
import { LESSONS_OPTION } from "./lesson-pack";

export const progressCommand: CommandSpec = {
  name: "progress",
  summary: "Show what you have done in each lesson (steps passed, hints, attempts, time)",
  usage: "progress [--json] [--lessons DIR]",
  options: withHelp([
    { name: "json", description: "Print one JSON object instead of text" },
    LESSONS_OPTION,
    NO_COLOR_OPTION,
  ]),
  examples: ["podnet-learn progress", "podnet-learn progress --json"],
  notes: [
    "Progress is kept in ~/.config/podnet-learn/progress.json (XDG_CONFIG_HOME is honoured;",
    "PODNET_CONFIG_DIR puts it elsewhere). A file that cannot be read is moved aside, never wiped.",
  ],
};

export const resetCommand: CommandSpec = {
  name: "reset",
  summary: "Forget your progress in one lesson, or in every lesson",
  usage: "reset (LESSON-ID | --all) [--lessons DIR]",
  options: withHelp([
    { name: "all", description: "Forget every lesson (the language setting stays)" },
    LESSONS_OPTION,
    NO_COLOR_OPTION,
  ]),
  examples: ["podnet-learn reset flannel-vxlan", "podnet-learn reset --all"],
};
