/**
 * Input path resolution shared by the CSV and Parquet readers: turns what the user passed to
 * `read.csv(...)` / `read.parquet(...)` — a file, a folder or a glob, or a list of those — into
 * a deterministic list of data files, the way Spark's file index does (hidden `_`/`.` files such
 * as `_SUCCESS` and `.crc` files are skipped in folders and glob matches; folders are listed
 * recursively so Hive-style `key=value` partition folders are included).
 *
 * Globs support `*` and `?` (within one path segment), `[abc]` / `[!abc]` / `[a-z]` classes,
 * `{a,b}` alternation (may nest and may contain `/`) and `**` (any number of folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFormatError, FileNotFoundError, KindlingError, didYouMean } from '../errors.js';
import { type DataType, type Field, commonType } from '../types.js';
import { parseDate, parseTimestamp } from '../time/iso.js';

/** Options for {@link listInputFiles}. */
export interface ListInputFilesOptions {
  /**
   * Keep only files whose name ends with one of these extensions (with or without the dot,
   * case-insensitive) when listing a folder. Files named explicitly, or matched by a glob, are
   * always kept.
   */
  extensions?: string[];
}

/**
 * Resolves input paths (files, folders or globs) to the sorted list of data files to read.
 *
 * - a file is returned as is;
 * - a folder is listed recursively; names starting with `.` or `_` (unless they contain `=`, as
 *   partition folders like `_col=1` do) are skipped like Spark does, and `extensions` filters
 *   the remaining files;
 * - a glob is expanded (see the module comment); matched folders are listed as above.
 *
 * The result keeps the order of `paths`, each entry's expansion sorted by path, without
 * duplicates.
 *
 * @throws FileNotFoundError when a path does not exist (with a "did you mean" hint when a sibling
 *   has a close name), when a glob matches nothing, or when a folder holds no data files.
 * @throws KindlingError when a folder cannot be read.
 */
export function listInputFiles(paths: string | string[], opts: ListInputFilesOptions = {}): string[] {
  const list = Array.isArray(paths) ? paths : [paths];
  if (list.length === 0) throw new FileNotFoundError('', 'no input path given: pass a file, a folder or a glob');
  const exts = opts.extensions?.map((e) => (e.startsWith('.') ? e : '.' + e).toLowerCase());
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of list) {
    if (typeof p !== 'string' || p.length === 0) throw new FileNotFoundError(String(p), `invalid input path ${JSON.stringify(p)}: expected a non-empty string`);
    // A path that exists as written is taken literally even if it has glob characters ('a[1].csv').
    const files = hasGlobMagic(p) && !statOrNull(p) ? expandGlob(p, exts) : resolvePlain(p, exts);
    for (const f of files) {
      if (!seen.has(f)) {
        seen.add(f);
        out.push(f);
      }
    }
  }
  return out;
}

/** True when `name` is hidden from listings the way Spark hides it (`_SUCCESS`, `.part.crc`, ...). */
export function isHiddenName(name: string): boolean {
  return (name.startsWith('_') && !name.includes('=')) || name.startsWith('.') || name.endsWith('._COPYING_');
}

/** True when the path contains glob syntax. */
export function hasGlobMagic(p: string): boolean {
  return /[*?[{]/.test(p);
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new KindlingError(`cannot access '${p}': ${(e as Error).message}`, { cause: e });
  }
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new KindlingError(`cannot list folder '${dir}': ${(e as Error).message}`, { cause: e });
  }
}

function isDirEntry(dir: string, d: fs.Dirent): boolean {
  if (d.isDirectory()) return true;
  if (d.isSymbolicLink()) return statOrNull(path.join(dir, d.name))?.isDirectory() ?? false;
  return false;
}

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function resolvePlain(p: string, exts: string[] | undefined): string[] {
  const st = statOrNull(p);
  if (!st) throw missingPath(p);
  if (st.isDirectory()) {
    const files = listFolder(p, exts);
    if (files.length === 0) {
      const what = exts ? ` with extension ${exts.join(' or ')}` : '';
      throw new FileNotFoundError(p, `folder '${p}' contains no data files${what} (names starting with '_' or '.' are skipped)`);
    }
    return files;
  }
  return [p];
}

/** Lists the data files under a folder, recursively, sorted. */
function listFolder(dir: string, exts: string[] | undefined): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readDir(d)) {
      if (isHiddenName(e.name)) continue;
      const full = path.join(d, e.name);
      if (isDirEntry(d, e)) walk(full);
      else if (!exts || exts.some((x) => e.name.toLowerCase().endsWith(x))) out.push(full);
    }
  };
  walk(dir);
  return out.sort(byPath);
}

function missingPath(p: string): FileNotFoundError {
  const dir = path.dirname(p);
  const base = path.basename(p);
  const st = statOrNull(dir);
  if (!st || !st.isDirectory()) {
    // Walk up to the deepest existing ancestor so the message says where the path breaks.
    let anc = dir;
    while (anc !== path.dirname(anc) && !statOrNull(anc)) anc = path.dirname(anc);
    return new FileNotFoundError(p, `path does not exist: ${p} (folder '${dir}' does not exist either; nearest existing ancestor is '${anc}')`);
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    /* no suggestions */
  }
  return new FileNotFoundError(p, `path does not exist: ${p}${didYouMean(base, names)}`);
}

// ---------------------------------------------------------------------------------------------
// Globs
// ---------------------------------------------------------------------------------------------

/** Expands `{a,b}` alternations (nested ones too) into plain glob patterns. */
export function expandBraces(pattern: string): string[] {
  // Find the first top-level '{' with a matching '}'.
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const body = pattern.slice(open + 1, i);
        const alts: string[] = [];
        let d = 0;
        let start = 0;
        for (let j = 0; j < body.length; j++) {
          const ch = body[j];
          if (ch === '\\') j++;
          else if (ch === '{') d++;
          else if (ch === '}') d--;
          else if (ch === ',' && d === 0) {
            alts.push(body.slice(start, j));
            start = j + 1;
          }
        }
        alts.push(body.slice(start));
        const pre = pattern.slice(0, open);
        const post = pattern.slice(i + 1);
        const out: string[] = [];
        for (const a of alts) for (const x of expandBraces(pre + a + post)) out.push(x);
        return out;
      }
    }
  }
  return [pattern];
}

/** Compiles one path segment of a glob (no `/`, no braces) to an anchored RegExp. */
export function segmentRegExp(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '\\' && i + 1 < seg.length) {
      re += escapeRe(seg[++i]!);
    } else if (c === '*') {
      re += '.*';
    } else if (c === '?') {
      re += '.';
    } else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      re += '[' + (neg ? '^' : '') + body.replace(/[\\\]]/g, '\\$&') + ']';
      i = close;
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp(re + '$', 's');
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}

function expandGlob(pattern: string, exts: string[] | undefined): string[] {
  const results = new Set<string>();
  for (const pat of expandBraces(pattern)) {
    const abs = pat.startsWith('/');
    const segs = pat.split('/').filter((s, i) => s.length > 0 || i === 0);
    let base = abs ? '/' : '.';
    let i = abs ? 1 : 0;
    // Literal leading segments form the base folder.
    const literal: string[] = [];
    while (i < segs.length && !hasGlobMagic(segs[i]!) && segs[i] !== '**') literal.push(segs[i++]!);
    if (literal.length > 0) base = abs ? '/' + literal.join('/') : literal.join('/');
    const rest = segs.slice(i);
    if (rest.length === 0) {
      // After brace expansion the pattern may have become a plain path.
      const st = statOrNull(base);
      if (st) for (const f of st.isDirectory() ? listFolder(base, exts) : [base]) results.add(f);
      continue;
    }
    const st = statOrNull(base);
    if (!st || !st.isDirectory()) continue;
    matchSegments(base, rest, 0, results, exts);
  }
  if (results.size === 0) {
    throw new FileNotFoundError(pattern, `no files match the glob '${pattern}'${globHint(pattern)}`);
  }
  return [...results].sort(byPath);
}

function globHint(pattern: string): string {
  // Suggest a close name for the first literal folder that does not exist.
  const first = expandBraces(pattern)[0]!;
  const segs = first.split('/');
  let cur = first.startsWith('/') ? '/' : '';
  for (const s of segs) {
    if (s === '') continue;
    if (hasGlobMagic(s) || s === '**') break;
    const next = cur === '' ? s : path.join(cur, s);
    if (!statOrNull(next)) {
      const dir = cur === '' ? '.' : cur;
      let names: string[] = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        /* ignore */
      }
      return `: folder '${next}' does not exist${didYouMean(s, names)}`;
    }
    cur = next;
  }
  return '';
}

function matchSegments(dir: string, segs: string[], k: number, out: Set<string>, exts: string[] | undefined): void {
  const join = (name: string): string => path.join(dir, name);
  if (k === segs.length) return;
  const seg = segs[k]!;
  const last = k === segs.length - 1;
  if (seg === '**') {
    if (last) {
      for (const f of listFolder(dir, exts)) out.add(f);
      return;
    }
    // Zero folders...
    matchSegments(dir, segs, k + 1, out, exts);
    // ...or one more folder, recursively.
    for (const e of readDir(dir)) {
      if (isHiddenName(e.name) || !isDirEntry(dir, e)) continue;
      matchSegments(join(e.name), segs, k, out, exts);
    }
    return;
  }
  if (!hasGlobMagic(seg)) {
    const p = join(seg);
    const st = statOrNull(p);
    if (!st) return;
    if (last) addMatch(p, st.isDirectory(), out, exts);
    else if (st.isDirectory()) matchSegments(p, segs, k + 1, out, exts);
    return;
  }
  const re = segmentRegExp(seg);
  const allowHidden = seg.startsWith('.') || seg.startsWith('_');
  const entries = readDir(dir).sort((a, b) => byPath(a.name, b.name));
  for (const e of entries) {
    if (!allowHidden && isHiddenName(e.name)) continue;
    if (!re.test(e.name)) continue;
    const p = join(e.name);
    const isDir = isDirEntry(dir, e);
    if (last) addMatch(p, isDir, out, exts);
    else if (isDir) matchSegments(p, segs, k + 1, out, exts);
  }
}

function addMatch(p: string, isDir: boolean, out: Set<string>, exts: string[] | undefined): void {
  if (isDir) for (const f of listFolder(p, exts)) out.add(f);
  else out.add(p);
}

// ---------------------------------------------------------------------------------------------
// Partition discovery
// ---------------------------------------------------------------------------------------------

/** Hive-style partition columns found in the folders of the input files. */
export interface DiscoveredPartitions {
  /** The partition columns, outermost folder first, with inferred types. */
  readonly fields: Field[];
  /** Per file: its raw values (null for `__HIVE_DEFAULT_PARTITION__`), in `fields` order. */
  readonly values: Map<string, (string | null)[]>;
}

/** Undoes Spark's `escapePathName` (`%XX` → the character); other text stays as it is. */
function unescapePathName(s: string): string {
  return s.includes('%') ? s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** Spark's partition value inference: int, bigint, double, date, timestamp, else string. */
function partitionValueType(v: string): DataType {
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    if (n >= -2147483648 && n <= 2147483647) return 'int32';
    return Number.isSafeInteger(n) ? 'int64' : 'utf8';
  }
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return 'float64';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && parseDate(v) !== null) return 'date32';
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) && parseTimestamp(v) !== null) return 'timestamp';
  return 'utf8';
}

/**
 * Finds the `key=value` folders between each folder given in `paths` and the files listed under
 * it (Spark's partition discovery; files named directly or matched by a glob have none), infers
 * each column's type from its values and unescapes `%XX`.
 * @throws DataFormatError when two files have different partition column names.
 */
export function discoverPartitions(paths: string | string[], files: readonly string[]): DiscoveredPartitions {
  const roots = (Array.isArray(paths) ? paths : [paths]).filter((p) => statOrNull(p)?.isDirectory()).map((p) => path.resolve(p));
  const values = new Map<string, (string | null)[]>();
  let names: string[] | undefined;
  let first = '';
  for (const file of files) {
    const abs = path.resolve(file);
    const root = roots.find((r) => abs.startsWith(r + path.sep));
    if (!root) continue;
    const segs = path.relative(root, path.dirname(abs)).split(path.sep).filter((x) => x.includes('='));
    const here = segs.map((x) => x.slice(0, x.indexOf('=')));
    if (names === undefined) {
      names = here;
      first = file;
    } else if (here.join('/') !== names.join('/')) {
      throw new DataFormatError(`conflicting partition folders: '${first}' has partition columns (${names.join(', ')}) but '${file}' has (${here.join(', ')}); read the folders separately or fix the layout`, file);
    }
    values.set(file, segs.map((x) => {
      const v = unescapePathName(x.slice(x.indexOf('=') + 1));
      return v === '__HIVE_DEFAULT_PARTITION__' ? null : v;
    }));
  }
  if (!names || names.length === 0) return { fields: [], values: new Map() };
  const fields = names.map((name, k) => {
    let type: DataType = 'null';
    for (const vs of values.values()) {
      const v = vs[k];
      if (v === null || v === undefined) continue;
      type = commonType(type, partitionValueType(v)) ?? 'utf8';
    }
    return { name: unescapePathName(name), type: type === 'null' ? 'utf8' : type, nullable: true } as Field;
  });
  return { fields, values };
}
