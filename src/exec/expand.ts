/**
 * ExpandOp: Spark's Expand for grouping sets (ROLLUP, CUBE, GROUPING SETS). Each input batch is
 * emitted once per projection (compiled like a Project), so a hash aggregate above it computes
 * every grouping set in one pass. Rows are independent: morsel-driven stages run through it.
 */
import { Batch } from '../data/batch.js';
import { compileExpr } from '../expr/backend.js';
import { type BoundExpr, boundToString } from '../expr/expr.js';
import { type Field, Schema } from '../types.js';
import type { OpCodec } from './op-codec.js';
import { type ExecContext, PhysicalOp } from './operator.js';

/** Emits each input batch once per projection. */
export class ExpandOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly fns;
  constructor(readonly child: PhysicalOp, readonly projections: readonly (readonly BoundExpr[])[], readonly schema: Schema) {
    super();
    this.children = [child];
    this.fns = projections.map((ps) => ps.map(compileExpr));
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    for await (const b of this.child.execute(p, ctx)) {
      for (const fns of this.fns) yield new Batch(this.schema, fns.map((f) => f(b)), b.numRows);
    }
  }
  override morselInput(): PhysicalOp {
    return this.child;
  }
  describe(): string {
    return `Expand [${this.projections.map((ps) => `[${ps.map(boundToString).join(', ')}]`).join(', ')}]`;
  }
}

export const expandCodec: OpCodec<ExpandOp, { projections: readonly (readonly BoundExpr[])[]; fields: readonly Field[] }> = {
  kind: 'expand',
  type: ExpandOp,
  describe: (o) => ({ projections: o.projections, fields: o.schema.fields }),
  build: (d, [child]) => new ExpandOp(child!, d.projections, new Schema(d.fields)),
};
