/**
 * SQL statements: queries, CREATE / DROP VIEW, SHOW TABLES / FUNCTIONS / COLUMNS, DESCRIBE and
 * EXPLAIN, run in order (`runStatements`); plus the entry points the DataFrame API uses
 * (`selectExprs`, `filterExpr`). Results are DataFrames made by the session (no import of the
 * DataFrame class at run time).
 */
import type { DataFrame } from '../dataframe.js';
import { didYouMean } from '../errors.js';
import { functionNames } from '../expr/registry.js';
import { windowFunctionNames } from '../expr/window-functions.js';
import * as B from '../plan/builder.js';
import { explainString } from '../plan/explain.js';
import type { LogicalPlan } from '../plan/logical.js';
import { type DataType, Schema, sparkSimpleName } from '../types.js';
import type { SqlExpr, SqlSelect, SqlSelectItem, SqlStatement } from './ast.js';
import { ref } from './expr-helpers.js';
import { Frame, EMPTY_ENV } from './scope.js';
import { QueryLowering } from './query.js';

/** Plans SQL statements and expressions for one session. */
export class SqlPlanner extends QueryLowering {
  /** Executes / plans statements; returns the DataFrame of the last one. */
  runStatements(stmts: readonly SqlStatement[]): DataFrame {
    let last: DataFrame | null = null;
    for (const s of stmts) last = this.statement(s);
    return last!;
  }

  protected emptyResult(): DataFrame {
    return this.session.createDataFrame([], new Schema([]));
  }

  protected rowsFrame(rows: Record<string, unknown>[], fields: [string, DataType][]): DataFrame {
    return this.session.createDataFrame(rows, new Schema(fields.map(([name, type]) => ({ name, type, nullable: true }))));
  }

  protected statement(s: SqlStatement): DataFrame {
    switch (s.kind) {
      case 'query':
        return this.session.dataFrameOf(this.planQuery(s, EMPTY_ENV, null));
      case 'createView': {
        const catalog = this.session.catalog;
        if (catalog.tableExists(s.name)) {
          if (s.ifNotExists) return this.emptyResult();
          if (!s.replace) this.err(s.pos, `temporary view '${s.name}' already exists; use CREATE OR REPLACE TEMP VIEW`);
        }
        let plan = this.planQuery(s.query, EMPTY_ENV, null);
        if (s.columns) {
          const cols = plan.schema.names;
          if (s.columns.length !== cols.length) this.err(s.pos, `view '${s.name}' lists ${s.columns.length} column names but its query returns ${cols.length} columns [${cols.join(', ')}]`);
          plan = B.toDF(plan, s.columns);
        }
        const df = this.session.dataFrameOf(plan);
        this.at(s.pos, () => catalog.registerView(s.name, df, true));
        return this.emptyResult();
      }
      case 'dropView': {
        if (!this.session.catalog.dropTempView(s.name) && !s.ifExists) {
          this.err(s.pos, `temporary view '${s.name}' not found${didYouMean(s.name, this.session.catalog.listTables().map((t) => t.name))}; use DROP VIEW IF EXISTS to ignore`);
        }
        return this.emptyResult();
      }
      case 'cacheTable': {
        const catalog = this.session.catalog;
        if (s.query) {
          const plan = this.planQuery(s.query, EMPTY_ENV, null);
          if (catalog.tableExists(s.name)) this.err(s.namePos, `temporary view '${s.name}' already exists; CACHE TABLE ... AS SELECT creates a new view (DROP VIEW it first, or CACHE TABLE ${s.name} to cache the existing one)`);
          this.at(s.namePos, () => catalog.registerView(s.name, this.session.dataFrameOf(plan), false));
        } else if (!catalog.tableExists(s.name)) {
          this.err(s.namePos, `table or view '${s.name}' not found${didYouMean(s.name, catalog.listTables().map((t) => t.name))}`);
        }
        const df = catalog.cacheTable(s.name);
        if (s.lazy) return this.emptyResult();
        // Eager, as Spark's CACHE TABLE: the data is computed now, in the background (sql() is
        // synchronous); a query reading the view waits for it, and an action on this result
        // reports a failure of it.
        const computed = df.count();
        computed.catch(() => undefined);
        return this.session.lazyFrom(async () => {
          await computed;
          return [];
        }, new Schema([]));
      }
      case 'uncacheTable': {
        const catalog = this.session.catalog;
        if (!catalog.tableExists(s.name)) {
          if (s.ifExists) return this.emptyResult();
          this.err(s.namePos, `table or view '${s.name}' not found${didYouMean(s.name, catalog.listTables().map((t) => t.name))}; use UNCACHE TABLE IF EXISTS to ignore`);
        }
        catalog.uncacheTable(s.name);
        return this.emptyResult();
      }
      case 'clearCache':
        this.session.catalog.clearCache();
        return this.emptyResult();
      case 'showTables': {
        const match = s.pattern === null ? null : sparkPattern(s.pattern);
        const rows = this.session.catalog.listTables().filter((t) => !match || match.test(t.name)).map((t) => ({ namespace: '', tableName: t.name, isTemporary: true }));
        return this.rowsFrame(rows, [['namespace', 'utf8'], ['tableName', 'utf8'], ['isTemporary', 'boolean']]);
      }
      case 'showFunctions': {
        const match = s.pattern === null ? null : sparkPattern(s.pattern);
        const { scalar, aggregate } = functionNames();
        const internal = new Set(['add', 'subtract', 'multiply', 'divide', 'mod', 'negative', 'eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'eq_null_safe', 'and', 'or', 'not', 'in', '%']);
        const udfs = this.session.udf.list().map((u) => u.name);
        const names = [...new Set([...scalar, ...aggregate, ...windowFunctionNames(), ...udfs])].filter((n) => !internal.has(n)).sort();
        return this.rowsFrame(names.filter((n) => !match || match.test(n)).map((n) => ({ function: n })), [['function', 'utf8']]);
      }
      case 'showColumns': {
        const df = this.lookupTable(s.table, s.tablePos, EMPTY_ENV);
        return this.rowsFrame(df.schema.names.map((c) => ({ col_name: c })), [['col_name', 'utf8']]);
      }
      case 'describe': {
        const df = s.table !== null ? this.lookupTable(s.table, s.tablePos, EMPTY_ENV) : this.planQuery(s.query!, EMPTY_ENV, null);
        const rows = df.schema.fields.map((f) => ({ col_name: f.name, data_type: sparkSimpleName(f.type), comment: null }));
        return this.rowsFrame(rows, [['col_name', 'utf8'], ['data_type', 'utf8'], ['comment', 'utf8']]);
      }
      case 'explain': {
        if (s.statement.kind !== 'query') {
          this.statement(s.statement);
          return this.rowsFrame([{ plan: 'OK' }], [['plan', 'utf8']]);
        }
        const plan = this.session.cacheManager.substituteForExplain(this.planQuery(s.statement, EMPTY_ENV, null));
        return this.rowsFrame([{ plan: explainString(plan, this.session.plannerConfig(), s.mode) }], [['plan', 'utf8']]);
      }
    }
  }

  /** `df.selectExpr(...)`: SELECT-list items over a DataFrame. */
  selectExprs(df: LogicalPlan, items: readonly SqlSelectItem[]): LogicalPlan {
    const pos = items[0]?.pos ?? { line: 1, column: 1, offset: 0 };
    const sel: SqlSelect = { kind: 'select', distinct: false, items, from: [], where: null, groupBy: null, having: null, windows: [], pos };
    return this.finishSelect(sel, [], Frame.of(df, null), EMPTY_ENV);
  }

  /** `df.filter('...')`: a WHERE condition over a DataFrame (subqueries over views allowed). */
  filterExpr(df: LogicalPlan, cond: SqlExpr): LogicalPlan {
    const sel: SqlSelect = { kind: 'select', distinct: false, items: [], from: [{ kind: 'plan', plan: df, alias: null, pos: cond.pos }], where: cond, groupBy: null, having: null, windows: [], pos: cond.pos };
    const frame = this.fromWhere(sel, EMPTY_ENV, null, null);
    const out = frame.plan!;
    const n = df.schema.length;
    if (out.schema.length === n) return out;
    return B.project(out, df.schema.fields.map((f, i) => ref(i, f.name)), df.schema.names);
  }
}

/** Spark's SHOW TABLES / SHOW FUNCTIONS pattern: `*` any characters, `|` alternatives, case-insensitive. */
function sparkPattern(p: string): RegExp {
  const alts = p.split('|').map((a) => a.trim().split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${alts.join('|')})$`, 'i');
}
