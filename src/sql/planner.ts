/**
 * The SQL front door: parses SQL text (./parser.ts) and lowers it through the layers of the SQL
 * planner (scope.ts → expressions.ts → decorrelate.ts → select.ts → query.ts → statements.ts)
 * into LogicalPlans built with the plan builder (src/plan/builder.ts), the same builder the
 * DataFrame API uses, so SQL and DataFrame code produce the same plans.
 *
 * Name resolution happens while lowering, so errors point at the spot in the SQL text. Columns
 * become positional references (`@i`) into the current relation's layout, so the later joins that
 * decorrelate subqueries (which append columns on the right) never disturb them, and self-joins
 * with clashing names stay unambiguous.
 */
import type { DataFrame } from '../dataframe.js';
import { IllegalArgumentError } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import { type ExplainMode, explainString } from '../plan/explain.js';
import type { LogicalPlan } from '../plan/logical.js';
import type { PlannerConfig } from '../plan/physical.js';
import type { Session } from '../session.js';
import { parseExpression, parseSelectItem, parseSql } from './parser.js';
import { alias } from './expr-helpers.js';
import { SqlPlanner } from './statements.js';

/** The explain text of a DataFrame (the same text `df.explain(mode)` prints), without printing. */
export function explainText(df: { readonly plan: LogicalPlan; readonly session: { plannerConfig(): PlannerConfig } }, mode: ExplainMode): string {
  return explainString(df.plan, df.session.plannerConfig(), mode);
}

// ==================================================================== public entry points

/** Parses and plans SQL text (one or more `;`-separated statements); returns the last statement's DataFrame. */
export function sqlToDataFrame(session: Session, text: string): DataFrame {
  if (typeof text !== 'string') throw new IllegalArgumentError('spark.sql() takes a SQL string');
  const stmts = parseSql(text);
  return new SqlPlanner(session, text).runStatements(stmts);
}

/** An unresolved Column expression from SQL text (`F.expr('a + 1')`, `F.expr('sum(x) AS total')`). */
export function exprFromSql(text: string): Expr {
  const item = parseSelectItem(text);
  if (item.expr.kind === 'star') {
    return item.expr.qualifier ? { kind: 'star', qualifier: item.expr.qualifier } : { kind: 'star' };
  }
  const planner = new SqlPlanner(null as unknown as Session, text);
  const e = planner.freeExpr(item.expr);
  return item.alias ? alias(e, item.alias) : e;
}

/** `df.selectExpr(...texts)`: the projection (or aggregate) of SELECT-list items over `plan`. */
export function selectExprPlan(session: Session, plan: LogicalPlan, texts: readonly string[]): LogicalPlan {
  const items = texts.map((t) => parseSelectItem(t));
  return new SqlPlanner(session, texts[0] ?? '').selectExprs(plan, items);
}

/** `df.filter('condition')` / `df.where('condition')`: `plan` filtered by a SQL condition. */
export function filterPlan(session: Session, plan: LogicalPlan, text: string): LogicalPlan {
  const cond = parseExpression(text);
  return new SqlPlanner(session, text).filterExpr(plan, cond);
}
