/**
 * The learner's progress on disk, through conf: one JSON file in the user's config directory
 * (`~/.config/podnet-learn/progress.json` on Linux, `$XDG_CONFIG_HOME` honoured), or in
 * `PODNET_CONFIG_DIR` when set (tests, workshops, several learners on one account). The
 * directory is worked out here, not by conf, so a file conf cannot open is found to set aside.
 *
 * Every change reads the file afresh, applies itself and writes the whole file atomically (conf
 * writes a temp file and renames it), so two running copies each add their own steps instead of
 * overwriting the other's with what they read at start. A file that cannot be read as progress
 * is moved aside to `progress.json.corrupt-<time>` and the learner is told; it is never wiped.
 */
import { renameSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import Conf from "conf";
import { emptyProgress, type Progress, parseProgress } from "./schema";

export interface ProgressStoreOptions {
  /** Directory of the progress file (default: PODNET_CONFIG_DIR, else the user's config dir). */
  readonly dir?: string;
  /** The clock, for the name a corrupt file is moved aside to. */
  readonly now?: () => Date;
  /** The file's name without `.json` (default `progress`; an exam's: `examConfigName`). */
  readonly configName?: string;
}

/**
 * The file an exam of the pack with this digest keeps its progress in: apart from practice, so
 * lessons done before the exam do not count in it, and one per pack, so a second exam with
 * another pack starts afresh while reopening the same one resumes it (and its clock).
 */
export function examConfigName(packDigest: string): string {
  return `exam-${packDigest.slice(0, 12)}`;
}

/** A file that held something other than progress, and where it went. */
export interface SetAside {
  readonly path: string;
  readonly reason: string;
}

export class ProgressStore {
  private readonly conf: Conf<Record<string, unknown>>;
  private readonly now: () => Date;
  /** Files moved aside since the store was opened; the UI tells the learner about each. */
  readonly setAside: SetAside[] = [];

  constructor(options: ProgressStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    const dir = options.dir ?? progressDir();
    const confOptions = {
      projectName: "podnet-learn",
      configName: options.configName ?? "progress",
      cwd: dir,
      clearInvalidConfig: false,
    };
    try {
      this.conf = new Conf(confOptions);
    } catch (error) {
      // conf reads the file in its constructor and throws on JSON it cannot parse.
      const file = join(dir, `${confOptions.configName}.json`);
      if (this.moveAside(file, error) === null) throw error;
      this.conf = new Conf(confOptions);
    }
  }

  /** The progress file's path. */
  get path(): string {
    return this.conf.path;
  }

  /** The progress as it is on disk now. */
  read(): Progress {
    let raw: unknown;
    try {
      raw = this.conf.store;
    } catch (error) {
      if (this.moveAside(this.conf.path, error) === null) throw error;
      return emptyProgress();
    }
    if (raw === null || typeof raw !== "object" || Object.keys(raw).length === 0) {
      return emptyProgress();
    }
    const parsed = parseProgress(raw);
    if (parsed) return parsed;
    this.moveAside(this.conf.path, new Error("it does not hold podnet-learn progress"));
    return emptyProgress();
  }

  /** Reads the file afresh, lets `change` edit it, writes it back; returns what was written. */
  update(change: (progress: Progress) => void): Progress {
    const progress = this.read();
    change(progress);
    this.conf.store = progress as unknown as Record<string, unknown>;
    return progress;
  }

  /** Renames a file that is not progress; null when there was nothing to move. */
  private moveAside(path: string, error: unknown): string | null {
    if (path === "") return null;
    const stamp = this.now().toISOString().replaceAll(":", "-");
    const target = `${path}.corrupt-${stamp}`;
    try {
      renameSync(path, target);
    } catch {
      return null;
    }
    const reason = error instanceof SyntaxError ? "it is not valid JSON" : messageOf(error);
    this.setAside.push({ path: target, reason });
    return target;
  }
}

/** Where progress lives: PODNET_CONFIG_DIR, else the platform's per-user config directory. */
export function progressDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.PODNET_CONFIG_DIR;
  if (own) return own;
  const home = homedir();
  switch (process.platform) {
    case "win32":
      return join(env.APPDATA ?? join(home, "AppData", "Roaming"), "podnet-learn");
    case "darwin":
      return join(home, "Library", "Preferences", "podnet-learn");
    default:
      return join(env.XDG_CONFIG_HOME || join(home, ".config"), "podnet-learn");
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
