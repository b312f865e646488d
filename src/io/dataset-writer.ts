/**
 * The atomic, Spark-like dataset writer behind `df.write`: save modes, and a job protocol that
 * writes every part file into a hidden temporary folder next to the target (same filesystem) and
 * publishes it with renames only once every part succeeded, so a failed job leaves the target
 * exactly as it was and no temporary files behind.
 *
 * Layout of a written dataset (as Spark): `part-00000-<uuid>-c000.<ext>` files plus an empty
 * `_SUCCESS` marker. Temporary folders are named `.kindling-tmp-<name>-<uuid>` (hidden, so
 * readers skip them, and matched by the repository's .gitignore).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import nodePath from 'node:path';
import { Batch } from '../data/batch.js';
import { type ColumnData, take } from '../data/column.js';
import { formatDecimal } from '../data/decimal.js';
import { AnalysisError, IllegalArgumentError, KindlingError, WriteError, didYouMean } from '../errors.js';
import { formatDate, formatTimestamp } from '../time/iso.js';
import { Schema, decimalParams, isDecimal, isList, sparkTypeName } from '../types.js';
import { formatDouble } from './csv-values.js';

/** What to do when the target already exists (Spark's SaveMode). */
export type SaveMode = 'error' | 'errorifexists' | 'overwrite' | 'append' | 'ignore';

const SAVE_MODES: readonly SaveMode[] = ['error', 'errorifexists', 'overwrite', 'append', 'ignore'];

/** Name of the marker file written into a successfully written dataset folder. */
export const SUCCESS_FILE = '_SUCCESS';

/** Prefix of the temporary folders the writer creates next to the target. */
export const TEMP_PREFIX = '.kindling-tmp-';

/**
 * Parses a save mode name, case-insensitively: 'error' / 'errorifexists' (also Spark's 'default'),
 * 'overwrite', 'append', 'ignore'.
 *
 * @throws IllegalArgumentError listing the valid modes.
 */
export function parseSaveMode(mode: string): SaveMode {
  const m = String(mode).trim().toLowerCase();
  if (m === 'default') return 'error';
  if ((SAVE_MODES as readonly string[]).includes(m)) return m as SaveMode;
  throw new IllegalArgumentError(`unknown save mode '${mode}'; use one of: ${SAVE_MODES.map((x) => `'${x}'`).join(', ')}`);
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new KindlingError(`cannot access '${p}': ${(e as Error).message}`, { cause: e });
  }
}

function alreadyExists(path: string): WriteError {
  return new WriteError(
    `path '${path}' already exists; use mode('overwrite') to replace it, mode('append') to add to it, or mode('ignore') to skip the write`,
  );
}

/**
 * Decides, before running a job, whether to write: 'skip' when the mode is 'ignore' and `path`
 * exists, otherwise 'write'.
 *
 * @throws WriteError when the mode is 'error' / 'errorifexists' and `path` exists (the message
 *   names the path and suggests mode('overwrite') or mode('append')).
 */
export function checkSaveMode(path: string, mode: SaveMode): 'skip' | 'write' {
  const m = parseSaveMode(mode);
  if (!exists(path)) return 'write';
  if (m === 'ignore') return 'skip';
  if (m === 'error' || m === 'errorifexists') throw alreadyExists(path);
  return 'write';
}

/** Spark's part file name: `part-00000-<uuid>-c000.<ext>`. */
function partName(part: number, jobId: string, ext: string): string {
  return `part-${String(part).padStart(5, '0')}-${jobId}-c000${ext ? '.' + ext : ''}`;
}

/** Runs `task(i)` for i in [0, n) with at most `limit` at a time; stops starting new ones after a failure. */
async function runPool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < n) {
      const i = next++;
      try {
        await task(i);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  if (failed) throw firstError;
}

async function removeQuietly(p: string | undefined): Promise<void> {
  if (p) await fsp.rm(p, { recursive: true, force: true }).catch(() => {});
}

/** Options of {@link writeDataset}. */
export interface WriteDatasetOptions {
  /** Maximum parts written at the same time (default: the number of CPUs). */
  concurrency?: number;
  /** Per part: the folder inside the dataset it goes to (e.g. `k=1/d=x`, from {@link splitPartitions}); default the top. */
  dirs?: readonly string[];
}

/**
 * Writes a dataset folder atomically.
 *
 * Calls `writePart(tmpFile, part)` for each part (up to `options.concurrency` at a time) with a
 * path inside a fresh hidden temporary folder next to the target (same filesystem), writes an
 * empty `_SUCCESS` there, then publishes according to `mode`:
 *  - target absent (any mode): the temporary folder is renamed to the target;
 *  - 'overwrite': the old target (folder or file) is renamed aside, the new folder renamed in,
 *    and the old one removed;
 *  - 'append': the new part files are moved into the existing folder (their names carry a fresh
 *    job uuid, so nothing is overwritten) and `_SUCCESS` is refreshed;
 *  - 'error' / 'ignore' with an existing target: as {@link checkSaveMode} (throws / writes nothing).
 *
 * Part files are named like Spark's, `part-00000-<uuid>-c000.<ext>` (`ext` e.g. 'csv' or
 * 'snappy.parquet'). A `writePart` may decline to create its file (an empty partition): that part
 * is then simply absent. With zero parts the folder holds only `_SUCCESS`.
 *
 * If any `writePart` throws, no further part is started, the running ones are awaited, the
 * temporary folder (and any parent folder this call created) is removed, the target is left
 * exactly as before, and the first error propagates.
 *
 * @returns the final paths of the part files, in part order.
 * @throws WriteError when the mode is 'error' and the target exists, or when appending to a file.
 * @throws IllegalArgumentError for a bad `numParts` or an unusable `path`.
 */
export async function writeDataset(
  path: string,
  mode: SaveMode,
  numParts: number,
  ext: string,
  writePart: (tmpFile: string, part: number) => Promise<void> | void,
  options: WriteDatasetOptions = {},
): Promise<string[]> {
  const m = parseSaveMode(mode);
  if (!Number.isInteger(numParts) || numParts < 0) throw new IllegalArgumentError(`numParts must be a non-negative integer, got ${numParts}`);
  if (typeof path !== 'string' || path.length === 0) throw new IllegalArgumentError(`invalid output path ${JSON.stringify(path)}`);
  const extension = ext.replace(/^\.+/, '');
  if (checkSaveMode(path, m) === 'skip') return [];
  const target = nodePath.resolve(path);
  const parent = nodePath.dirname(target);
  const base = nodePath.basename(target);
  if (parent === target || base === '' || base === '.' || base === '..') throw new IllegalArgumentError(`cannot write a dataset to '${path}'`);
  if (m === 'append' && exists(target) && !fs.statSync(target).isDirectory()) {
    throw new WriteError(`cannot append to '${path}': it is a file, not a dataset folder; use mode('overwrite') to replace it`);
  }

  const jobId = randomUUID();
  let createdParent: string | undefined;
  try {
    createdParent = makeFolders(parent);
  } catch (e) {
    throw cannotWrite(path, `its folder '${parent}' cannot be created`, e);
  }
  const tmp = nodePath.join(parent, `${TEMP_PREFIX}${base}-${jobId}`);
  const dirs = options.dirs ?? [];
  const names = Array.from({ length: numParts }, (_, i) => nodePath.join(dirs[i] ?? '', partName(i, jobId, extension)));
  let published = false;
  try {
    try {
      await fsp.mkdir(tmp);
    } catch (e) {
      throw cannotWrite(path, `nothing can be created in '${parent}'`, e);
    }
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? os.availableParallelism()));
    // Errors from writePart propagate unchanged.
    for (const d of new Set(dirs)) if (d) await fsp.mkdir(nodePath.join(tmp, d), { recursive: true });
    await runPool(numParts, concurrency, async (i) => {
      await writePart(nodePath.join(tmp, names[i]!), i);
    });
    try {
      const result = await publish();
      published = result !== undefined;
      return result ?? [];
    } catch (e) {
      if (e instanceof KindlingError || !(e as NodeJS.ErrnoException)?.code) throw e;
      throw new WriteError(`writing '${path}' failed while publishing the output: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    await removeQuietly(tmp);
    if (!published && createdParent) removeEmptyFolders(parent, createdParent);
  }

  /** Moves the finished output into place; returns the final part paths, or undefined if nothing was published. */
  async function publish(): Promise<string[] | undefined> {
    await fsp.writeFile(nodePath.join(tmp, SUCCESS_FILE), '');
    const written = names.filter((n) => exists(nodePath.join(tmp, n)));

    if (!exists(target)) {
      // Someone may have created the target since checkSaveMode: honour the mode again.
      try {
        await fsp.rename(tmp, target);
      } catch (e) {
        if (!isTaken(e)) throw e;
        if (m === 'error' || m === 'errorifexists') throw alreadyExists(path);
        throw lostRace(path, e);
      }
      return written.map((n) => nodePath.join(path, n));
    }
    if (m === 'error' || m === 'errorifexists') throw alreadyExists(path);
    if (m === 'ignore') return undefined;

    if (m === 'overwrite') {
      // Move the old output aside, the new one in, then remove the old. A concurrent overwrite
      // may move the target first (ENOENT here) or publish between the two renames (ENOTEMPTY):
      // the write that renames its folder in first wins; the others remove what they created.
      const aside = nodePath.join(parent, `${TEMP_PREFIX}old-${base}-${jobId}`);
      let movedAside = true;
      try {
        await fsp.rename(target, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        movedAside = false;
      }
      try {
        await fsp.rename(tmp, target);
      } catch (e) {
        // Put the old output back unless another write's output took its place.
        if (movedAside) await fsp.rename(aside, target).catch(() => {});
        await removeQuietly(aside);
        throw isTaken(e) ? lostRace(path, e) : e;
      }
      await removeQuietly(aside);
      return written.map((n) => nodePath.join(path, n));
    }

    // append: move the parts in, undoing the moves if one fails.
    if (!fs.statSync(target).isDirectory()) {
      throw new WriteError(`cannot append to '${path}': it is a file, not a dataset folder; use mode('overwrite') to replace it`);
    }
    const moved: [string, string][] = [];
    try {
      for (const n of written) {
        let dest = nodePath.join(target, n);
        while (exists(dest)) dest = nodePath.join(target, n.replace(jobId, randomUUID()));
        // A partition folder new to the dataset (left behind, empty, if a later move fails).
        if (nodePath.dirname(n) !== '.') await fsp.mkdir(nodePath.dirname(dest), { recursive: true });
        await fsp.rename(nodePath.join(tmp, n), dest);
        moved.push([nodePath.join(tmp, n), dest]);
      }
      await fsp.writeFile(nodePath.join(target, SUCCESS_FILE), '');
    } catch (e) {
      for (const [from, to] of moved.reverse()) await fsp.rename(to, from).catch(() => {});
      throw e;
    }
    return moved.map(([, to]) => nodePath.join(path, nodePath.relative(target, to)));
  }
}

/**
 * Creates `dir` and its missing ancestors; returns the first folder created (undefined if `dir`
 * existed). One level at a time: Node's recursive mkdir loops forever under /proc.
 */
function makeFolders(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = dir; !exists(d); d = nodePath.dirname(d)) {
    if (nodePath.dirname(d) === d) break;
    missing.push(d);
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      fs.mkdirSync(missing[i]!);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        if (i < missing.length - 1) removeEmptyFolders(missing[i + 1]!, missing[missing.length - 1]!);
        throw e;
      }
    }
  }
  return missing[missing.length - 1];
}

/** A rename failed because the destination exists (another write published there). */
function isTaken(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

function lostRace(path: string, cause: unknown): WriteError {
  return new WriteError(
    `another write to '${path}' won: it published its output while this one was publishing, so this write's output was discarded and '${path}' holds the other write's data; retry the write if it should replace that`,
    { cause },
  );
}

/** The target cannot be written at all (missing or read-only location): names the target, not a temporary folder. */
function cannotWrite(path: string, why: string, cause: unknown): WriteError {
  const code = (cause as NodeJS.ErrnoException)?.code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOTDIR' ? 'a parent is a file' : code ?? String(cause);
  return new WriteError(`cannot write to '${path}': ${why} (${reason}); write to a folder you can create files in`, { cause });
}

/** Removes `from` and its ancestors up to and including `upTo`, as long as they are empty. */
function removeEmptyFolders(from: string, upTo: string): void {
  let d = from;
  for (;;) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === upTo || nodePath.dirname(d) === d) return;
    d = nodePath.dirname(d);
  }
}

// ---------------------------------------------------------------------------------------------
// partitionBy: Hive-style partition folders
// ---------------------------------------------------------------------------------------------

/** Spark's name for a null (or empty string) partition value. */
export const DEFAULT_PARTITION_NAME = '__HIVE_DEFAULT_PARTITION__';

/** Spark's `escapePathName`: characters a partition folder name cannot hold as `%XX`. */
export function escapePartitionValue(s: string): string {
  return s.replace(/[\x00-\x1F"#%'*/:=?\\\x7F{}[\]^]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** A partition column's values as the text of its folder names (Spark's cast to string). */
function partitionTexts(col: ColumnData): (string | null)[] {
  const n = col.length;
  const out = new Array<string | null>(n);
  const t = col.type;
  const strs = t === 'utf8' ? col.strings() : null;
  const big = isDecimal(t) ? col.bigints() : null;
  const scale = isDecimal(t) ? decimalParams(t).scale : 0;
  const v = col.values;
  for (let i = 0; i < n; i++) {
    if (col.isNull(i)) out[i] = null;
    else if (strs) out[i] = strs[i]!;
    else if (big) out[i] = formatDecimal(big[i]!, scale);
    else if (t === 'boolean') out[i] = v![i] ? 'true' : 'false';
    else if (t === 'float64') out[i] = formatDouble(v![i]!);
    else if (t === 'date32') out[i] = formatDate(v![i]!);
    else if (t === 'timestamp') out[i] = formatTimestamp(v![i]!);
    else out[i] = String(v![i]);
  }
  return out;
}

/**
 * The column indices of `partitionBy` names in `schema`, checked as Spark does.
 * @throws AnalysisError for an unknown or repeated name, an array column, or all columns named.
 */
export function partitionColumns(schema: Schema, names: readonly string[]): number[] {
  const idx: number[] = [];
  for (const name of names) {
    const i = schema.indexOf(name);
    if (i < 0) throw new AnalysisError(`partitionBy column '${name}' does not exist${didYouMean(name, schema.names)}; columns: ${schema.names.join(', ')}`);
    if (idx.includes(i)) throw new AnalysisError(`partitionBy column '${name}' is named twice`);
    if (isList(schema.fields[i]!.type)) throw new AnalysisError(`cannot use ${sparkTypeName(schema.fields[i]!.type)} column '${name}' as a partition column: use a scalar column`);
    idx.push(i);
  }
  if (idx.length > 0 && idx.length === schema.length) throw new AnalysisError(`cannot use all columns for partitioning: partitionBy(${names.join(', ')}) leaves no data columns`);
  return idx;
}

/**
 * Splits each task's batches by the values of the partition columns `pcols` (Spark's
 * partitionBy): one part per task and distinct value combination, holding the other columns,
 * with its folder `a=1/b=x` (values escaped, null → `__HIVE_DEFAULT_PARTITION__`).
 */
export function splitPartitions(schema: Schema, tasks: readonly (readonly Batch[])[], pcols: readonly number[]): { dirs: string[]; parts: Batch[][]; schema: Schema } {
  const keep = schema.fields.map((_, i) => i).filter((i) => !pcols.includes(i));
  const dataSchema = new Schema(keep.map((i) => schema.fields[i]!));
  const dirs: string[] = [];
  const parts: Batch[][] = [];
  for (const batches of tasks) {
    const groups = new Map<string, Batch[]>();
    for (const b of batches) {
      const texts = pcols.map((c) => partitionTexts(b.columns[c]!));
      const rows = new Map<string, number[]>();
      for (let r = 0; r < b.numRows; r++) {
        let key = '';
        for (let k = 0; k < pcols.length; k++) {
          const t = texts[k]![r];
          key += (k ? '/' : '') + escapePartitionValue(schema.fields[pcols[k]!]!.name) + '=' + (t === null || t === '' ? DEFAULT_PARTITION_NAME : escapePartitionValue(t));
        }
        const list = rows.get(key);
        if (list) list.push(r);
        else rows.set(key, [r]);
      }
      for (const [key, list] of rows) {
        const idx = Int32Array.from(list);
        const part = new Batch(dataSchema, keep.map((i) => take(b.columns[i]!, idx)), idx.length);
        const g = groups.get(key);
        if (g) g.push(part);
        else groups.set(key, [part]);
      }
    }
    for (const [dir, bs] of groups) {
      dirs.push(dir);
      parts.push(bs);
    }
  }
  return { dirs, parts, schema: dataSchema };
}
