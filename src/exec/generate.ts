/**
 * GenerateOp: Spark's Generate for explode / posexplode / inline (and their _outer forms),
 * columnar. Per batch it evaluates the array (or map) column, counts each row's output rows from
 * the offsets, builds a repeat index (output row → input row) to gather the passed-through columns
 * with one `take` each, and reads the elements from the child column (a zero-copy slice when every
 * row keeps all its elements in order): the list's child for an array, the entries' key and value
 * columns for a map, the struct's field columns for inline (a null struct gives a row of nulls).
 * Rows are independent: morsel-driven stages run through it.
 */
import { Batch } from '../data/batch.js';
import { ColumnData, sliceColumn, take } from '../data/column.js';
import { compileExpr } from '../expr/backend.js';
import { type BoundExpr, boundToString } from '../expr/expr.js';
import { type Field, Schema, isMap } from '../types.js';
import type { OpCodec } from './op-codec.js';
import { type ExecContext, PhysicalOp } from './operator.js';

/** One output row per array element (map entry) of each input row. */
export class GenerateOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly fn;
  /** True when the elements are structs (inline) or map entries whose child columns are the generated ones. */
  private readonly split: boolean;
  constructor(
    readonly child: PhysicalOp,
    readonly generator: 'explode' | 'posexplode' | 'inline',
    readonly outer: boolean,
    readonly arg: BoundExpr,
    readonly passthrough: readonly number[],
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.fn = compileExpr(arg);
    this.split = generator === 'inline' || isMap(arg.type);
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    for await (const b of this.child.execute(p, ctx)) {
      const out = this.expand(b);
      if (out.numRows > 0) yield out;
    }
  }

  /** The generated rows of one batch. */
  expand(b: Batch): Batch {
    const list = this.fn(b);
    const n = b.numRows;
    const off = list.offsets!;
    const valid = list.validity;
    const outer = this.outer;
    // 1. output row count from the offsets
    let total = 0;
    for (let r = 0; r < n; r++) {
      const len = valid !== null && valid[r] === 0 ? 0 : off[r + 1]! - off[r]!;
      total += len === 0 && outer ? 1 : len;
    }
    // 2. repeat index (output → input row) and element index (-1: the null of an outer row)
    const rep = new Int32Array(total);
    const elem = new Int32Array(total);
    const pos = this.generator === 'posexplode' ? new Int32Array(total) : null;
    let k = 0;
    let padded = false;
    for (let r = 0; r < n; r++) {
      const lo = off[r]!;
      const hi = valid !== null && valid[r] === 0 ? lo : off[r + 1]!;
      if (hi === lo) {
        if (outer) {
          rep[k] = r;
          elem[k++] = -1;
          padded = true;
        }
        continue;
      }
      for (let j = lo; j < hi; j++, k++) {
        rep[k] = r;
        elem[k] = j;
        if (pos) pos[k] = j - lo;
      }
    }
    // 3. columns: passed through by the repeat index, then position and element
    const cols: ColumnData[] = this.passthrough.map((i) => take(b.columns[i]!, rep));
    if (pos) {
      let pv: Uint8Array | null = null;
      if (padded) {
        pv = new Uint8Array(total);
        for (let i = 0; i < total; i++) pv[i] = elem[i]! < 0 ? 0 : 1;
      }
      cols.push(new ColumnData('int32', total, pos, pv));
    }
    const child = list.child!;
    // inline: a null struct element gives a row of nulls (Spark's generatorNullRow)
    const sv = this.generator === 'inline' ? child.validity : null;
    if (sv !== null) {
      for (let i = 0; i < total; i++) {
        const j = elem[i]!;
        if (j >= 0 && sv[j] === 0) {
          elem[i] = -1;
          padded = true;
        }
      }
    }
    const contiguous = !padded && total > 0 && elem[0] === off[0] && elem[total - 1]! - elem[0]! === total - 1;
    for (const c of this.split ? child.children! : [child]) cols.push(contiguous ? sliceColumn(c, elem[0]!, elem[0]! + total) : take(c, elem));
    return new Batch(this.schema, cols, total);
  }
  override morselInput(): PhysicalOp {
    return this.child;
  }
  describe(): string {
    return `Generate ${this.generator}${this.outer ? '_outer' : ''}(${boundToString(this.arg)})`;
  }
}

export const generateCodec: OpCodec<GenerateOp, { generator: 'explode' | 'posexplode' | 'inline'; outer: boolean; arg: BoundExpr; passthrough: readonly number[]; fields: readonly Field[] }> = {
  kind: 'generate',
  type: GenerateOp,
  describe: (o) => ({ generator: o.generator, outer: o.outer, arg: o.arg, passthrough: o.passthrough, fields: o.schema.fields }),
  build: (d, [child]) => new GenerateOp(child!, d.generator, d.outer, d.arg, d.passthrough, new Schema(d.fields)),
};
