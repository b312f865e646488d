/**
 * Recursive-descent / precedence-climbing parser for Kindling's Spark SQL dialect. It turns the
 * lexer's tokens into the AST of ./ast.ts, with positions on every node.
 *
 * Syntax errors say what was expected at the failing token, e.g.
 * `line 1, column 10: expected FROM or end of input but found 'FORM'`: the parser records, per
 * token index, the keywords and punctuation it tried there; when the found word is a near-miss of
 * some of them (a misspelt keyword) the message narrows to those. A misspelt clause keyword that
 * was first taken as an implicit alias (`SELECT a FORM t`) is reported at the misspelt word.
 * Constructs Spark has but Kindling does not are named ("LATERAL VIEW is not supported").
 */
import type { LiteralValue } from '../expr/expr.js';
import { parseDate, parseTimestamp } from '../expr/runtime.js';
import { type DataType, MAX_DECIMAL_PRECISION, MICROS_PER_DAY, decimalType, parseTypeName } from '../types.js';
import { formatDecimal, parseDecimal } from '../data/decimal.js';
import type {
  Pos, SqlCte, SqlExpr, SqlFrame, SqlFrameBound, SqlFrom, SqlNamedWindow, SqlOrderItem, SqlQuery, SqlQueryBody,
  SqlSelect, SqlSelectItem, SqlStatement, SqlWindowSpec, SqlLateralView,
} from './ast.js';
import { cubeSets, rollupSets } from '../plan/analyzer/grouping-sets.js';
import { parseErrorAt } from './errors.js';
import { type Token, tokenize } from './lexer.js';

/**
 * Words that cannot be used as implicit aliases or bare column names (quote them with backticks
 * to use them as names). Other keywords (DATE, YEAR, COUNT, ...) are ordinary identifiers.
 */
const RESERVED = new Set([
  'ALL', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CLUSTER', 'CROSS', 'DESC', 'DISTINCT', 'DISTRIBUTE', 'ELSE',
  'END', 'EXCEPT', 'EXISTS', 'FALSE', 'FETCH', 'FOR', 'FROM', 'FULL', 'GROUP', 'HAVING', 'ILIKE', 'IN', 'INNER', 'INTERSECT',
  'INTO', 'IS', 'JOIN', 'LATERAL', 'LEFT', 'LIKE', 'LIMIT', 'MINUS', 'NATURAL', 'NOT', 'NULL', 'OFFSET', 'ON', 'OR', 'ORDER',
  'OUTER', 'PIVOT', 'QUALIFY', 'REGEXP', 'RIGHT', 'RLIKE', 'SELECT', 'SORT', 'TABLESAMPLE', 'THEN', 'TRUE', 'UNION',
  'UNPIVOT', 'USING', 'WHEN', 'WHERE', 'WINDOW', 'WITH',
]);

/** Reserved words that are also function names when followed by '('. */
const RESERVED_FUNCTIONS = new Set(['LEFT', 'RIGHT']);

/** Statements Spark has that Kindling's SQL layer does not run. */
const UNSUPPORTED_STATEMENTS: Record<string, string> = {
  INSERT: 'INSERT', UPDATE: 'UPDATE', DELETE: 'DELETE', MERGE: 'MERGE', 
  REFRESH: 'REFRESH', USE: 'USE', SET: 'SET', RESET: 'RESET', ALTER: 'ALTER', ANALYZE: 'ANALYZE', LOAD: 'LOAD DATA',
  ADD: 'ADD', TRUNCATE: 'TRUNCATE', MSCK: 'MSCK', REPAIR: 'REPAIR', LIST: 'LIST',
};

/** Interval units and their sizes: [months, days, micros] per unit. */
const INTERVAL_UNITS: Record<string, readonly [number, number, number]> = {
  YEAR: [12, 0, 0], YEARS: [12, 0, 0], MONTH: [1, 0, 0], MONTHS: [1, 0, 0], WEEK: [0, 7, 0], WEEKS: [0, 7, 0],
  DAY: [0, 1, 0], DAYS: [0, 1, 0], HOUR: [0, 0, 3_600_000_000], HOURS: [0, 0, 3_600_000_000],
  MINUTE: [0, 0, 60_000_000], MINUTES: [0, 0, 60_000_000], SECOND: [0, 0, 1_000_000], SECONDS: [0, 0, 1_000_000],
  MILLISECOND: [0, 0, 1000], MILLISECONDS: [0, 0, 1000], MICROSECOND: [0, 0, 1], MICROSECONDS: [0, 0, 1],
};

/** Fields accepted by EXTRACT(field FROM x) and date_part('field', x), with the registry function each maps to. */
export const EXTRACT_FIELDS: Record<string, string> = {
  YEAR: 'year', YEARS: 'year', Y: 'year', YR: 'year', YRS: 'year', QUARTER: 'quarter', QTR: 'quarter',
  MONTH: 'month', MONTHS: 'month', MON: 'month', MONS: 'month', WEEK: 'weekofyear', WEEKS: 'weekofyear', W: 'weekofyear',
  DAY: 'dayofmonth', DAYS: 'dayofmonth', D: 'dayofmonth', DAYOFMONTH: 'dayofmonth', DAYOFWEEK: 'dayofweek', DOW: 'dayofweek',
  DAYOFYEAR: 'dayofyear', DOY: 'dayofyear', HOUR: 'hour', HOURS: 'hour', H: 'hour', HR: 'hour', HRS: 'hour',
  MINUTE: 'minute', MINUTES: 'minute', M: 'minute', MIN: 'minute', MINS: 'minute', SECOND: 'second', SECONDS: 'second',
  S: 'second', SEC: 'second', SECS: 'second',
};

/** "A, B or C". */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/**
 * How deeply expressions may nest inside one another in SQL text (function calls, CASE, IN lists;
 * parentheses alone and chains of operators do not count): the parser recurses once per level.
 */
export const MAX_SQL_NESTING = 256;

/** The recursive-descent parser over one SQL text. */
export class Parser {
  private readonly tokens: Token[];
  private i = 0;
  /** Labels of what was tried at token index `expIndex`. */
  private expected: string[] = [];
  private expIndex = -1;
  /** How many `parseExpr` calls are open (expressions inside function calls, CASE, ...); at most `MAX_SQL_NESTING`. */
  private depth = 0;
  /**
   * An operand already parsed that the next `parsePrimary` returns (the inside of a parenthesis
   * when a run of parentheses is parsed with a loop); prefix operators are skipped meanwhile.
   */
  private pendingPrimary: SqlExpr | null = null;
  /** Token indices consumed as implicit aliases (`SELECT a b`). */
  private readonly implicitAliases = new Set<number>();

  constructor(readonly source: string) {
    this.tokens = tokenize(source);
  }

  // ---------------------------------------------------------------- token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  /** Records that `label` would have been accepted at the current token. */
  private note(label: string): void {
    if (this.i > this.expIndex) {
      this.expIndex = this.i;
      this.expected = [];
    }
    if (this.i === this.expIndex && !this.expected.includes(label)) this.expected.push(label);
  }
  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.upper === word;
  }
  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === op;
  }
  private acceptKw(word: string, label: string = word): boolean {
    if (this.isKw(word)) {
      this.next();
      return true;
    }
    this.note(label);
    return false;
  }
  /** Consumes the keyword if present, without recording it as expected (operators, synonyms). */
  private takeKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.next();
    return true;
  }
  private takeOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }
  private acceptKws(...words: string[]): boolean {
    if (words.every((w, k) => this.isKw(w, k))) {
      for (let k = 0; k < words.length; k++) this.next();
      return true;
    }
    this.note(words.join(' '));
    return false;
  }
  private expectKw(word: string): Token {
    const t = this.peek();
    if (!this.acceptKw(word)) this.fail();
    return t;
  }
  private acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.next();
      return true;
    }
    this.note(`'${op}'`);
    return false;
  }
  private expectOp(op: string): Token {
    const t = this.peek();
    if (!this.acceptOp(op)) this.fail();
    return t;
  }

  /** An error at `pos`. */
  error(pos: Pos, message: string): never {
    throw parseErrorAt(this.source, pos, message);
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of input';
    return `'${t.raw.length > 40 ? t.raw.slice(0, 37) + '...' : t.raw}'`;
  }

  /** Throws "expected ... but found ..." for the current token. */
  private fail(): never {
    const t = this.peek();
    const exp = this.expIndex === this.i ? this.expected : [];
    // A misspelt keyword taken as an implicit alias (`SELECT a FORM t`): report the misspelt word.
    if (this.implicitAliases.has(this.i - 1)) {
      const alias = this.tokens[this.i - 1]!;
      const near = nearMisses(alias, exp);
      if (near.length) this.error(alias.pos, `expected ${orList(withEnd(near, exp))} but found ${this.describe(alias)}`);
    }
    const near = t.kind === 'ident' && !t.quoted ? nearMisses(t, exp) : [];
    const list = near.length ? withEnd(near, exp) : exp;
    if (list.length === 0) this.error(t.pos, `unexpected ${this.describe(t)}`);
    this.error(t.pos, `expected ${orList(list)} but found ${this.describe(t)}`);
  }

  private unsupported(pos: Pos, what: string, hint = ''): never {
    this.error(pos, `${what} is not supported${hint ? `; ${hint}` : ''}`);
  }

  /** Reads an identifier (a name); reserved words only when backtick-quoted. */
  private identifier(label = 'an identifier'): { name: string; pos: Pos } {
    const t = this.peek();
    if (t.kind === 'ident' && (t.quoted || !RESERVED.has(t.upper))) {
      this.next();
      return { name: t.text, pos: t.pos };
    }
    this.note(label);
    if (t.kind === 'ident' && RESERVED.has(t.upper)) {
      this.error(t.pos, `expected ${label} but found reserved word ${this.describe(t)} (quote it with backticks to use it as a name: \`${t.text}\`)`);
    }
    this.fail();
  }

  private isIdentifierStart(): boolean {
    const t = this.peek();
    return t.kind === 'ident' && (t.quoted || !RESERVED.has(t.upper));
  }

  // ---------------------------------------------------------------- statements

  /** Parses one or more statements separated by ';'. */
  parseStatements(): SqlStatement[] {
    const out: SqlStatement[] = [];
    while (this.takeOp(';')) { /* leading semicolons */ }
    do {
      if (this.peek().kind === 'eof') break;
      out.push(this.parseStatement());
      while (this.isOp(';', 1) && this.isOp(';')) this.next();
    } while (this.takeOp(';'));
    if (this.peek().kind !== 'eof') {
      this.note('end of input');
      this.fail();
    }
    if (out.length === 0) this.error(this.peek().pos, 'empty SQL statement');
    return out;
  }

  private parseStatement(): SqlStatement {
    const t = this.peek();
    if (t.kind === 'ident' && !t.quoted) {
      switch (t.upper) {
        case 'CREATE': return this.parseCreate();
        case 'DROP': return this.parseDrop();
        case 'SHOW': return this.parseShow();
        case 'CACHE': return this.parseCache();
        case 'UNCACHE': {
          this.next();
          this.expectKw('TABLE');
          let ifExists = false;
          if (this.acceptKw('IF')) {
            this.expectKw('EXISTS');
            ifExists = true;
          }
          const namePos = this.peek().pos;
          return { kind: 'uncacheTable', name: this.qualifiedName('a table or view name').name, ifExists, pos: t.pos, namePos };
        }
        case 'CLEAR': {
          this.next();
          this.expectKw('CACHE');
          return { kind: 'clearCache', pos: t.pos };
        }
        case 'DESCRIBE': case 'DESC': return this.parseDescribe();
        case 'EXPLAIN': {
          this.next();
          let mode: 'simple' | 'extended' | 'formatted' = 'simple';
          if (this.acceptKw('EXTENDED')) mode = 'extended';
          else if (this.acceptKw('FORMATTED')) mode = 'formatted';
          else if (this.isKw('CODEGEN') || this.isKw('COST') || this.isKw('LOGICAL')) {
            this.unsupported(this.peek().pos, `EXPLAIN ${this.peek().upper}`, 'use EXPLAIN or EXPLAIN EXTENDED');
          }
          const inner = this.parseStatement();
          return { kind: 'explain', mode, statement: inner, pos: t.pos };
        }
        default: {
          const what = UNSUPPORTED_STATEMENTS[t.upper];
          if (what) this.unsupported(t.pos, `${what} statement`, 'Kindling SQL runs queries over temporary views (SELECT, WITH, CREATE TEMP VIEW, DROP VIEW, CACHE TABLE, UNCACHE TABLE, CLEAR CACHE, SHOW TABLES, DESCRIBE, EXPLAIN)');
        }
      }
    }
    if (!(this.isKw('SELECT') || this.isKw('WITH') || this.isKw('VALUES') || this.isKw('FROM') || this.isKw('TABLE') || this.isOp('('))) {
      for (const w of ['SELECT', 'WITH', 'VALUES', 'CREATE', 'DROP', 'SHOW', 'DESCRIBE', 'EXPLAIN']) this.note(w);
      this.fail();
    }
    return this.parseQuery();
  }

  private parseCreate(): SqlStatement {
    const start = this.next().pos;
    let replace = false;
    if (this.acceptKw('OR')) {
      this.expectKw('REPLACE');
      replace = true;
    }
    if (this.isKw('GLOBAL')) this.unsupported(this.peek().pos, 'CREATE GLOBAL TEMPORARY VIEW', 'use CREATE TEMPORARY VIEW');
    this.acceptKw('TEMPORARY') || this.acceptKw('TEMP');
    if (this.isKw('TABLE')) this.unsupported(this.peek().pos, 'CREATE TABLE', 'Kindling has temporary views only: CREATE TEMP VIEW name AS SELECT ...');
    if (this.isKw('FUNCTION')) this.unsupported(this.peek().pos, 'CREATE FUNCTION');
    this.expectKw('VIEW');
    let ifNotExists = false;
    if (this.acceptKw('IF')) {
      this.expectKw('NOT');
      this.expectKw('EXISTS');
      ifNotExists = true;
    }
    const name = this.qualifiedName('a view name');
    let columns: string[] | null = null;
    if (this.acceptOp('(')) {
      columns = [];
      do {
        columns.push(this.identifier('a column name').name);
        if (this.acceptKw('COMMENT')) this.stringLiteral();
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    if (this.isKw('COMMENT')) {
      this.next();
      this.stringLiteral();
    }
    if (this.isKw('TBLPROPERTIES')) this.unsupported(this.peek().pos, 'TBLPROPERTIES');
    this.expectKw('AS');
    const query = this.parseQuery();
    return { kind: 'createView', name: name.name, replace, ifNotExists, columns, query, pos: start };
  }

  private parseDrop(): SqlStatement {
    const start = this.next().pos;
    if (this.isKw('TABLE')) this.unsupported(this.peek().pos, 'DROP TABLE', 'use DROP VIEW for temporary views');
    if (this.isKw('FUNCTION')) this.unsupported(this.peek().pos, 'DROP FUNCTION');
    this.acceptKw('TEMPORARY') || this.acceptKw('TEMP');
    this.expectKw('VIEW');
    let ifExists = false;
    if (this.acceptKw('IF')) {
      this.expectKw('EXISTS');
      ifExists = true;
    }
    const name = this.qualifiedName('a view name');
    return { kind: 'dropView', name: name.name, ifExists, pos: start };
  }

  /** `CACHE [LAZY] TABLE name [[AS] query]` (Spark's OPTIONS clause is not supported). */
  private parseCache(): SqlStatement {
    const start = this.next().pos;
    const lazy = this.acceptKw('LAZY');
    this.expectKw('TABLE');
    const namePos = this.peek().pos;
    const name = this.qualifiedName('a table or view name').name;
    if (this.isKw('OPTIONS')) this.unsupported(this.peek().pos, 'CACHE TABLE ... OPTIONS', 'Kindling keeps cached data in memory only; drop the OPTIONS clause');
    let query: SqlQuery | null = null;
    if (this.acceptKw('AS') || this.isKw('SELECT') || this.isKw('WITH') || this.isKw('VALUES') || this.isKw('FROM') || this.isKw('TABLE') || this.isOp('(')) query = this.parseQuery();
    return { kind: 'cacheTable', name, lazy, query, pos: start, namePos };
  }

  private parseShow(): SqlStatement {
    const start = this.next().pos;
    if (this.acceptKw('TABLES') || this.acceptKw('VIEWS')) {
      if (this.acceptKw('IN') || this.acceptKw('FROM')) this.identifier('a database name');
      let pattern: string | null = null;
      if (this.acceptKw('LIKE')) pattern = this.stringLiteral();
      else if (this.peek().kind === 'string') pattern = this.stringLiteral();
      return { kind: 'showTables', pattern, pos: start };
    }
    if (this.acceptKw('FUNCTIONS') || (this.acceptKw('USER') && this.expectKw('FUNCTIONS'))) {
      let pattern: string | null = null;
      if (this.acceptKw('LIKE')) pattern = this.stringLiteral();
      else if (this.peek().kind === 'string') pattern = this.stringLiteral();
      return { kind: 'showFunctions', pattern, pos: start };
    }
    if (this.acceptKw('COLUMNS')) {
      if (!this.acceptKw('FROM')) this.expectKw('IN');
      const t = this.qualifiedName('a table name');
      return { kind: 'showColumns', table: t.name, pos: start, tablePos: t.pos };
    }
    if (this.isKw('DATABASES') || this.isKw('SCHEMAS') || this.isKw('PARTITIONS') || this.isKw('CREATE') || this.isKw('TBLPROPERTIES') || this.isKw('CATALOGS')) {
      this.unsupported(this.peek().pos, `SHOW ${this.peek().upper}`, 'use SHOW TABLES, SHOW COLUMNS or SHOW FUNCTIONS');
    }
    this.fail();
  }

  private parseDescribe(): SqlStatement {
    const start = this.next().pos;
    if (this.isKw('FUNCTION') || this.isKw('DATABASE') || this.isKw('SCHEMA') || this.isKw('CATALOG')) {
      this.unsupported(this.peek().pos, `DESCRIBE ${this.peek().upper}`, 'use DESCRIBE table or DESCRIBE QUERY select ...');
    }
    if (this.acceptKw('QUERY') || this.isKw('SELECT') || this.isKw('WITH') || this.isKw('VALUES') || (this.isOp('(') && (this.isKw('SELECT', 1) || this.isKw('WITH', 1)))) {
      const q = this.parseQuery();
      return { kind: 'describe', table: null, query: q, pos: start, tablePos: q.pos };
    }
    this.acceptKw('TABLE');
    this.acceptKw('EXTENDED') || this.acceptKw('FORMATTED');
    const t = this.qualifiedName('a table name');
    if (this.isIdentifierStart()) this.unsupported(this.peek().pos, 'DESCRIBE of a single column', 'use DESCRIBE table');
    return { kind: 'describe', table: t.name, query: null, pos: start, tablePos: t.pos };
  }

  /** A table/view name; `db.name` is rejected (temporary views live in one namespace). */
  private qualifiedName(label: string): { name: string; pos: Pos } {
    const first = this.identifier(label);
    if (this.isOp('.')) {
      const parts = [first.name];
      while (this.acceptOp('.')) parts.push(this.identifier(label).name);
      this.error(first.pos, `database-qualified names are not supported: '${parts.join('.')}' (temporary views have one-part names)`);
    }
    return first;
  }

  /** `X'0A1b'`: a binary literal (hex digits; an odd count gets a leading 0, as in Spark), held as a byte string. */
  private binaryLiteral(): SqlExpr {
    const x = this.next();
    const t = this.next();
    const hex = t.text;
    const bad = /[^0-9a-fA-F]/.exec(hex);
    if (bad) {
      const at = { line: t.pos.line, column: t.pos.column + 1 + bad.index, offset: t.pos.offset + 1 + bad.index };
      this.error(hex.length === t.raw.length - 2 ? at : t.pos, `invalid binary literal X'${hex}': '${bad[0]}' is not a hex digit (a binary literal is X'' with pairs of 0-9, a-f)`);
    }
    const padded = hex.length % 2 ? `0${hex}` : hex;
    return { kind: 'literal', value: Buffer.from(padded, 'hex').toString('latin1'), type: 'binary', pos: x.pos, text: `X'${hex.toUpperCase()}'` };
  }

  private stringLiteral(): string {
    const t = this.peek();
    if (t.kind !== 'string') {
      this.note('a string literal');
      this.fail();
    }
    this.next();
    let s = t.text;
    while (this.peek().kind === 'string') s += this.next().text;
    return s;
  }

  // ---------------------------------------------------------------- queries

  /** WITH ... body ORDER BY ... LIMIT ... OFFSET ... */
  parseQuery(): SqlQuery {
    const start = this.peek().pos;
    const ctes: SqlCte[] = [];
    if (this.acceptKw('WITH')) {
      if (this.isKw('RECURSIVE')) this.unsupported(this.peek().pos, 'WITH RECURSIVE');
      do {
        const name = this.identifier('a CTE name');
        let columns: string[] | null = null;
        if (this.acceptOp('(')) {
          columns = [];
          do columns.push(this.identifier('a column name').name);
          while (this.acceptOp(','));
          this.expectOp(')');
        }
        this.acceptKw('AS');
        this.expectOp('(');
        const query = this.parseQuery();
        this.expectOp(')');
        ctes.push({ name: name.name, columns, query, pos: name.pos });
      } while (this.acceptOp(','));
    }
    const body = this.parseSetOps();
    return this.parseQueryTail(start, ctes, body);
  }

  private parseQueryTail(start: Pos, ctes: SqlCte[], body: SqlQueryBody): SqlQuery {
    let orderBy: SqlOrderItem[] = [];
    for (const kw of ['SORT', 'CLUSTER', 'DISTRIBUTE']) {
      if (this.isKw(kw) && this.isKw('BY', 1)) this.unsupported(this.peek().pos, `${kw} BY`, kw === 'SORT' ? 'use ORDER BY' : 'Kindling partitions by itself; use ORDER BY for ordering');
    }
    let orderByAll = false;
    if (this.acceptKws('ORDER', 'BY')) {
      orderByAll = this.isKw('ALL') && !this.isOp('(', 1) && !this.isOp('.', 1) && !this.isOp(',', 1);
      if (orderByAll) {
        // `all` stands as an identifier: the planner sorts by every output column unless one is named `all`.
        const pos = this.next().pos;
        orderBy = [{ expr: { kind: 'ident', parts: ['all'], pos, partPos: [pos] }, ...this.sortDirection(), pos }];
      } else orderBy = this.orderItems();
    }
    let limit: SqlExpr | null = null;
    let offset: SqlExpr | null = null;
    if (this.acceptKw('LIMIT')) {
      if (!this.acceptKw('ALL')) limit = this.parseExpr();
    }
    if (this.acceptKw('OFFSET')) {
      offset = this.parseExpr();
      this.acceptKw('ROWS') || this.acceptKw('ROW');
      if (limit === null && this.acceptKw('LIMIT')) limit = this.parseExpr();
    }
    if (this.isKw('FETCH')) this.unsupported(this.peek().pos, 'FETCH FIRST', 'use LIMIT');
    return { kind: 'query', ctes, body, orderBy, ...(orderByAll ? { orderByAll } : {}), limit, offset, pos: start };
  }

  /**
   * GROUP BY items into `exprs`: plain expressions, ROLLUP(...), CUBE(...) and GROUPING SETS
   * ((...), ...). Returns the grouping sets (indexes into `exprs`; the cross product of the
   * items, as Spark combines them), or null when every item is a plain expression.
   */
  private groupByItems(exprs: SqlExpr[]): number[][] | null {
    let sets: number[][] = [[]];
    let grouped = false;
    const add = (e: SqlExpr): number => exprs.push(e) - 1;
    const list = (): number[] => {
      const out: number[] = [];
      this.expectOp('(');
      if (!this.isOp(')')) do out.push(add(this.parseExpr())); while (this.acceptOp(','));
      this.expectOp(')');
      return out;
    };
    do {
      let factor: number[][];
      if ((this.isKw('ROLLUP') || this.isKw('CUBE')) && this.isOp('(', 1)) {
        const cube = this.next().upper === 'CUBE';
        const keys = list();
        factor = (cube ? cubeSets(keys.length) : rollupSets(keys.length)).map((s) => s.map((j) => keys[j]!));
        grouped = true;
      } else if (this.isKw('GROUPING') && this.isKw('SETS', 1)) {
        this.next();
        this.next();
        this.expectOp('(');
        factor = [];
        do {
          if (this.isOp('(')) factor.push(list());
          else factor.push([add(this.parseExpr())]);
        } while (this.acceptOp(','));
        this.expectOp(')');
        grouped = true;
      } else {
        factor = [[add(this.parseExpr())]];
      }
      sets = sets.flatMap((s) => factor.map((f) => [...s, ...f]));
    } while (this.acceptOp(','));
    return grouped ? sets : null;
  }

  private orderItems(): SqlOrderItem[] {
    const items: SqlOrderItem[] = [];
    do {
      const pos = this.peek().pos;
      const expr = this.parseExpr();
      items.push({ expr, ...this.sortDirection(), pos });
    } while (this.acceptOp(','));
    return items;
  }

  /** `[ASC | DESC] [NULLS FIRST | LAST]` after an ORDER BY item. */
  private sortDirection(): { ascending: boolean; nullsFirst: boolean | null } {
    let ascending = true;
    if (this.acceptKw('DESC')) ascending = false;
    else this.acceptKw('ASC');
    let nullsFirst: boolean | null = null;
    if (this.acceptKw('NULLS')) {
      if (this.acceptKw('FIRST')) nullsFirst = true;
      else if (this.acceptKw('LAST')) nullsFirst = false;
      else this.fail();
    }
    return { ascending, nullsFirst };
  }

  /** UNION / EXCEPT (left-associative) over INTERSECT terms. */
  private parseSetOps(): SqlQueryBody {
    let left = this.parseIntersect();
    for (;;) {
      const t = this.peek();
      let op: 'union' | 'except' | null = null;
      if (this.acceptKw('UNION')) op = 'union';
      else if (this.acceptKw('EXCEPT') || this.takeKw('MINUS')) op = 'except';
      if (!op) return left;
      const all = this.setQuantifier(t, op);
      const right = this.parseIntersect();
      left = { kind: 'setop', op, all, left, right, pos: t.pos };
    }
  }

  private parseIntersect(): SqlQueryBody {
    let left = this.parseQueryPrimary();
    for (;;) {
      const t = this.peek();
      if (!this.acceptKw('INTERSECT')) return left;
      const all = this.setQuantifier(t, 'intersect');
      const right = this.parseQueryPrimary();
      left = { kind: 'setop', op: 'intersect', all, left, right, pos: t.pos };
    }
  }

  private setQuantifier(_opToken: Token, _op: string): boolean {
    if (this.isKw('ALL')) {
      this.next();
      return true;
    }
    this.acceptKw('DISTINCT');
    return false;
  }

  private parseQueryPrimary(): SqlQueryBody {
    const t = this.peek();
    if (this.isKw('SELECT')) return this.parseSelect();
    if (this.isKw('VALUES')) return this.parseValues();
    if (this.isKw('TABLE')) {
      this.next();
      const name = this.qualifiedName('a table name');
      return {
        kind: 'select', distinct: false, items: [{ expr: { kind: 'star', qualifier: null, pos: t.pos }, alias: null, implicitAlias: false, pos: t.pos }],
        from: [{ kind: 'table', name: name.name, alias: null, columns: null, pos: name.pos }], where: null, groupBy: null, having: null, windows: [], pos: t.pos,
      };
    }
    if (this.isKw('FROM')) this.unsupported(t.pos, "FROM-first query ('FROM t SELECT ...')", 'write SELECT ... FROM t');
    if (this.acceptOp('(')) {
      const q = this.parseQuery();
      this.expectOp(')');
      return { kind: 'nested', query: q, pos: t.pos };
    }
    this.note('SELECT');
    this.note('VALUES');
    this.note("'('");
    this.fail();
  }

  private parseValues(): SqlQueryBody {
    const start = this.next().pos;
    const rows: SqlExpr[][] = [];
    do {
      if (this.acceptOp('(')) {
        const row: SqlExpr[] = [];
        do row.push(this.parseExpr());
        while (this.acceptOp(','));
        this.expectOp(')');
        rows.push(row);
      } else {
        rows.push([this.parseExpr()]);
      }
    } while (this.acceptOp(','));
    return { kind: 'values', rows, pos: start };
  }

  private parseSelect(): SqlSelect {
    const start = this.next().pos;
    let distinct = false;
    if (this.acceptKw('DISTINCT')) distinct = true;
    else this.acceptKw('ALL');
    const items: SqlSelectItem[] = [];
    do items.push(this.parseSelectItem());
    while (this.acceptOp(','));
    let from: SqlFrom[] = [];
    if (this.acceptKw('FROM')) {
      from = [];
      do from.push(this.parseFromItem());
      while (this.acceptOp(','));
    }
    const lateralViews: SqlLateralView[] = [];
    while (from.length && this.isKw('LATERAL') && this.isKw('VIEW', 1)) lateralViews.push(this.parseLateralView());
    let where: SqlExpr | null = null;
    if (this.acceptKw('WHERE')) where = this.parseExpr();
    let groupBy: SqlExpr[] | null = null;
    let groupingSets: number[][] | undefined;
    let groupByAll = false;
    if (this.acceptKws('GROUP', 'BY')) {
      groupBy = [];
      if (this.isKw('ALL') && !this.isOp('(', 1)) {
        this.next();
        groupByAll = true;
      } else {
        const g = this.groupByItems(groupBy);
        groupingSets = g ?? undefined;
      }
      if (this.isKw('WITH') && (this.isKw('ROLLUP', 1) || this.isKw('CUBE', 1))) this.unsupported(this.peek().pos, `WITH ${this.peek(1).upper}`, `write GROUP BY ${this.peek(1).upper}(...)`);
    }
    let having: SqlExpr | null = null;
    if (this.acceptKw('HAVING')) having = this.parseExpr();
    const windows: SqlNamedWindow[] = [];
    if (this.acceptKw('WINDOW')) {
      do {
        const name = this.identifier('a window name');
        this.expectKw('AS');
        const spec = this.parseWindowSpecBody();
        windows.push({ name: name.name, spec, pos: name.pos });
      } while (this.acceptOp(','));
    }
    if (this.isKw('QUALIFY')) this.unsupported(this.peek().pos, 'QUALIFY', 'filter the window results in an outer query');
    return { kind: 'select', distinct, items, from, ...(lateralViews.length ? { lateralViews } : {}), where, groupBy, ...(groupingSets ? { groupingSets } : {}), ...(groupByAll ? { groupByAll } : {}), having, windows, pos: start };
  }

  /** `LATERAL VIEW [OUTER] generator(args) table [AS] col [, col ...]`. */
  private parseLateralView(): SqlLateralView {
    const pos = this.next().pos;
    this.next();
    const outer = this.acceptKw('OUTER');
    const nameTok = this.peek();
    const name = this.identifier('a generator function such as explode');
    if (!this.isOp('(')) this.expectOp('(');
    const func = this.parseCall({ ...nameTok, text: name.name });
    if (func.kind !== 'func') this.error(name.pos, `LATERAL VIEW needs a generator call such as explode(...)`);
    const table = this.identifier('a name for the lateral view').name;
    const columns: string[] = [];
    if (this.acceptKw('AS') || (this.isIdentifierStart() && !this.isClauseWord() && !this.isKw('WHERE') && !this.isKw('GROUP') && !this.isKw('ORDER'))) {
      do columns.push(this.identifier('a column name').name);
      while (this.acceptOp(','));
    }
    return { func: func as Extract<SqlExpr, { kind: 'func' }>, outer, table, columns: columns.length ? columns : null, pos };
  }

  /** One SELECT list item: `*`, `t.*`, or `expr [[AS] alias]`. */
  parseSelectItem(): SqlSelectItem {
    const t = this.peek();
    if (this.isOp('*')) {
      this.next();
      return { expr: { kind: 'star', qualifier: null, pos: t.pos }, alias: null, implicitAlias: false, pos: t.pos };
    }
    if (t.kind === 'ident' && this.isOp('.', 1) && this.isOp('*', 2)) {
      this.next();
      this.next();
      this.next();
      return { expr: { kind: 'star', qualifier: t.text, pos: t.pos }, alias: null, implicitAlias: false, pos: t.pos };
    }
    const expr = this.parseExpr();
    if (this.acceptKw('AS')) {
      if (this.acceptOp('(')) {
        // `posexplode(a) AS (p, c)`: one name per generated column.
        const names: string[] = [];
        do names.push(this.identifier('an alias').name);
        while (this.acceptOp(','));
        this.expectOp(')');
        return { expr, alias: names[0]!, aliases: names, implicitAlias: false, pos: t.pos };
      }
      const a = this.peek().kind === 'string' ? { name: this.stringLiteral() } : this.identifier('an alias');
      return { expr, alias: a.name, implicitAlias: false, pos: t.pos };
    }
    if (this.isIdentifierStart() && !this.isClauseWord()) {
      this.implicitAliases.add(this.i);
      const a = this.identifier();
      return { expr, alias: a.name, implicitAlias: true, pos: t.pos };
    }
    return { expr, alias: null, implicitAlias: false, pos: t.pos };
  }

  /** Non-reserved words that still cannot start an implicit alias because a clause starts with them. */
  private isClauseWord(): boolean {
    return (this.isKw('LATERAL') || ((this.isKw('SORT') || this.isKw('CLUSTER') || this.isKw('DISTRIBUTE')) && this.isKw('BY', 1)));
  }

  // ---------------------------------------------------------------- FROM

  private parseFromItem(): SqlFrom {
    let left = this.parseFromPrimary();
    for (;;) {
      const t = this.peek();
      if (this.isKw('PIVOT')) {
        left = this.parsePivot(left);
        continue;
      }
      if (this.isKw('UNPIVOT')) {
        left = this.parseUnpivot(left);
        continue;
      }
      if (this.isKw('LATERAL') && this.isKw('VIEW', 1)) return left; // after the FROM items (parseSelect)
      let natural = false;
      if (this.acceptKw('NATURAL')) natural = true;
      let type: 'inner' | 'left' | 'right' | 'full' | 'cross' | 'left_semi' | 'left_anti' | null = null;
      let sawJoin = false;
      if (this.acceptKw('JOIN')) {
        type = 'inner';
        sawJoin = true;
      }
      else if (this.acceptKw('INNER')) type = 'inner';
      else if (this.acceptKw('CROSS')) type = 'cross';
      else if (this.acceptKw('LEFT')) {
        if (this.acceptKw('SEMI')) type = 'left_semi';
        else if (this.acceptKw('ANTI')) type = 'left_anti';
        else {
          this.acceptKw('OUTER');
          type = 'left';
        }
      } else if (this.acceptKw('RIGHT')) {
        this.acceptKw('OUTER');
        type = 'right';
      } else if (this.acceptKw('FULL')) {
        this.acceptKw('OUTER');
        type = 'full';
      } else if (this.acceptKw('SEMI')) type = 'left_semi';
      else if (this.acceptKw('ANTI')) type = 'left_anti';
      if (type === null) {
        if (natural) this.fail();
        return left;
      }
      if (!sawJoin) this.expectKw('JOIN');
      if (this.isKw('LATERAL')) this.unsupported(this.peek().pos, 'LATERAL subquery');
      const right = this.parseFromPrimary();
      let on: SqlExpr | null = null;
      let using: { name: string; pos: Pos }[] | null = null;
      if (!natural && type !== 'cross') {
        if (this.acceptKw('ON')) on = this.parseExpr();
        else if (this.acceptKw('USING')) {
          this.expectOp('(');
          using = [];
          do using.push(this.identifier('a column name'));
          while (this.acceptOp(','));
          this.expectOp(')');
        }
      } else if (type === 'cross' && this.isKw('ON')) {
        this.error(this.peek().pos, 'CROSS JOIN cannot have an ON condition; use JOIN ... ON');
      }
      left = { kind: 'join', left, right, type, on, using, natural, pos: t.pos };
    }
  }

  private parseFromPrimary(): SqlFrom {
    const t = this.peek();
    if (this.isKw('LATERAL')) this.unsupported(t.pos, 'LATERAL subquery');
    if (this.isOp('(')) {
      // A derived table `(SELECT ...) alias` or a parenthesised join `(a JOIN b ON ...)`.
      const isQuery = this.isKw('SELECT', 1) || this.isKw('WITH', 1) || this.isKw('VALUES', 1) || (this.isOp('(', 1) && this.looksLikeQueryParen(1));
      this.next();
      if (isQuery) {
        const query = this.parseQuery();
        this.expectOp(')');
        const { alias, columns } = this.tableAlias();
        return this.fromSuffix({ kind: 'derived', query, alias, columns, pos: t.pos });
      }
      const inner = this.parseFromItem();
      this.expectOp(')');
      return inner;
    }
    if (this.isKw('VALUES')) {
      const body = this.parseValues();
      const { alias, columns } = this.tableAlias();
      return { kind: 'derived', query: { kind: 'query', ctes: [], body, orderBy: [], limit: null, offset: null, pos: t.pos }, alias, columns, pos: t.pos };
    }
    const name = this.qualifiedName('a table name');
    if (this.isOp('(')) {
      // Table-valued function: only range() is available.
      if (name.name.toLowerCase() !== 'range') this.unsupported(name.pos, `table-valued function '${name.name}'`, 'only range(...) is available in FROM');
      this.next();
      const args: SqlExpr[] = [];
      if (!this.isOp(')')) {
        do args.push(this.parseExpr());
        while (this.acceptOp(','));
      }
      this.expectOp(')');
      if (args.length < 1 || args.length > 4) this.error(name.pos, `range() takes 1 to 4 arguments (end, or start, end[, step[, numPartitions]]), got ${args.length}`);
      const { alias, columns } = this.tableAlias();
      return this.fromSuffix({ kind: 'range', args, alias, columns, pos: name.pos });
    }
    const { alias, columns } = this.tableAlias();
    return this.fromSuffix({ kind: 'table', name: name.name, alias, columns, pos: name.pos });
  }

  private looksLikeQueryParen(k: number): boolean {
    let j = k;
    while (this.isOp('(', j)) j++;
    return this.isKw('SELECT', j) || this.isKw('WITH', j) || this.isKw('VALUES', j);
  }

  private fromSuffix(item: SqlFrom): SqlFrom {
    const t = this.peek();
    if (this.isKw('TABLESAMPLE')) this.unsupported(t.pos, 'TABLESAMPLE', 'use DataFrame.sample()');
    return item;
  }

  /** `PIVOT (aggs FOR col | (cols) IN (values)) [[AS] alias]` after a FROM item. */
  private parsePivot(input: SqlFrom): SqlFrom {
    const pos = this.expectKw('PIVOT').pos;
    this.expectOp('(');
    const aggs: SqlSelectItem[] = [];
    do {
      const item = this.parseSelectItem();
      if (item.expr.kind === 'star') this.error(item.pos, 'PIVOT needs aggregate expressions such as sum(x), not *');
      aggs.push(item);
    } while (this.acceptOp(','));
    this.expectKw('FOR');
    const columns: { name: string; pos: Pos }[] = [];
    if (this.acceptOp('(')) {
      do columns.push(this.identifier('a pivot column'));
      while (this.acceptOp(','));
      this.expectOp(')');
    } else columns.push(this.identifier('a pivot column'));
    this.expectKw('IN');
    this.expectOp('(');
    const values: { exprs: SqlExpr[]; alias: string | null; pos: Pos }[] = [];
    do {
      const vpos = this.peek().pos;
      let exprs: SqlExpr[];
      if (columns.length > 1 && this.isOp('(')) {
        this.next();
        exprs = [];
        do exprs.push(this.parseExpr());
        while (this.acceptOp(','));
        this.expectOp(')');
      } else exprs = [this.parseExpr()];
      values.push({ exprs, alias: this.optionalAlias(), pos: vpos });
    } while (this.acceptOp(','));
    this.expectOp(')');
    this.expectOp(')');
    return { kind: 'pivot', input, aggs, columns, values, alias: this.optionalAlias(), pos };
  }

  /** `UNPIVOT [INCLUDE|EXCLUDE NULLS] (...) [[AS] alias]` after a FROM item. */
  private parseUnpivot(input: SqlFrom): SqlFrom {
    const pos = this.expectKw('UNPIVOT').pos;
    let includeNulls = false;
    if (this.acceptKw('INCLUDE')) {
      this.expectKw('NULLS');
      includeNulls = true;
    } else if (this.acceptKw('EXCLUDE')) this.expectKw('NULLS');
    this.expectOp('(');
    const valueColumns: { name: string; pos: Pos }[] = [];
    const multi = this.acceptOp('(');
    do valueColumns.push(this.identifier('a value column name'));
    while (multi && this.acceptOp(','));
    if (multi) this.expectOp(')');
    this.expectKw('FOR');
    const nameColumn = this.identifier('a name column name');
    this.expectKw('IN');
    this.expectOp('(');
    const sets: { columns: SqlExpr[]; alias: string | null; pos: Pos }[] = [];
    const column = (): SqlExpr => {
      const e = this.parseExpr();
      if (e.kind !== 'ident') this.error(e.pos, 'UNPIVOT takes column names in its IN list, not expressions; compute the expression in a subquery first');
      return e;
    };
    do {
      const spos = this.peek().pos;
      let columns: SqlExpr[];
      if (multi) {
        this.expectOp('(');
        columns = [];
        do columns.push(column());
        while (this.acceptOp(','));
        this.expectOp(')');
      } else columns = [column()];
      sets.push({ columns, alias: this.optionalAlias(), pos: spos });
    } while (this.acceptOp(','));
    this.expectOp(')');
    this.expectOp(')');
    return { kind: 'unpivot', input, includeNulls, valueColumns, nameColumn, sets, alias: this.optionalAlias(), pos };
  }

  /** `[AS] alias` (an implicit alias only when a plain name follows). */
  private optionalAlias(): string | null {
    if (this.acceptKw('AS')) return this.identifier('an alias').name;
    if (this.isIdentifierStart() && !this.isJoinWord() && !this.isClauseWord()) {
      this.implicitAliases.add(this.i);
      return this.identifier().name;
    }
    return null;
  }

  /** `[AS] alias [(col, ...)]` after a FROM item. */
  private tableAlias(): { alias: string | null; columns: string[] | null } {
    const alias = this.optionalAlias();
    let columns: string[] | null = null;
    if (alias !== null && this.isOp('(')) {
      this.next();
      columns = [];
      do columns.push(this.identifier('a column name').name);
      while (this.acceptOp(','));
      this.expectOp(')');
    }
    return { alias, columns };
  }

  private isJoinWord(): boolean {
    return this.isKw('SEMI') || this.isKw('ANTI') || (this.isKw('LATERAL') && this.isKw('VIEW', 1));
  }

  // ---------------------------------------------------------------- windows

  private parseWindowSpecBody(): SqlWindowSpec {
    const start = this.expectOp('(').pos;
    let base: string | null = null;
    if (this.isIdentifierStart() && !this.isKw('PARTITION') && !this.isKw('ROWS') && !this.isKw('RANGE') && !this.isKw('GROUPS')) {
      base = this.identifier('a window name').name;
    }
    let partitionBy: SqlExpr[] = [];
    if (this.acceptKws('PARTITION', 'BY') || this.acceptKws('DISTRIBUTE', 'BY')) {
      partitionBy = [];
      do partitionBy.push(this.parseExpr());
      while (this.acceptOp(','));
    }
    let orderBy: SqlOrderItem[] = [];
    if (this.acceptKws('ORDER', 'BY') || this.acceptKws('SORT', 'BY')) orderBy = this.orderItems();
    let frame: SqlFrame | null = null;
    const ft = this.peek();
    if (this.isKw('GROUPS')) this.unsupported(ft.pos, 'GROUPS frame', 'use ROWS or RANGE');
    if (this.acceptKw('ROWS') || this.acceptKw('RANGE')) {
      const type = ft.upper === 'ROWS' ? 'rows' : 'range';
      let startB: SqlFrameBound;
      let endB: SqlFrameBound;
      if (this.acceptKw('BETWEEN')) {
        startB = this.frameBound();
        this.expectKw('AND');
        endB = this.frameBound();
      } else {
        startB = this.frameBound();
        endB = { kind: 'currentRow' };
      }
      frame = { type, start: startB, end: endB, pos: ft.pos };
    }
    this.expectOp(')');
    return { base, partitionBy, orderBy, frame, pos: start };
  }

  private frameBound(): SqlFrameBound {
    if (this.acceptKw('UNBOUNDED')) {
      if (this.acceptKw('PRECEDING')) return { kind: 'unboundedPreceding' };
      if (this.acceptKw('FOLLOWING')) return { kind: 'unboundedFollowing' };
      this.fail();
    }
    if (this.acceptKw('CURRENT')) {
      this.expectKw('ROW');
      return { kind: 'currentRow' };
    }
    const value = this.parseAdditive();
    if (this.acceptKw('PRECEDING')) return { kind: 'preceding', value };
    if (this.acceptKw('FOLLOWING')) return { kind: 'following', value };
    this.fail();
  }

  // ---------------------------------------------------------------- expressions

  /** A full expression (lowest precedence: OR). */
  parseExpr(): SqlExpr {
    if (++this.depth > MAX_SQL_NESTING) {
      this.error(this.peek().pos, `expression nested more than ${MAX_SQL_NESTING} levels deep (function calls, CASE, IN lists or subscripts inside one another); that is the parser's limit: compute inner parts in a subquery or with withColumn first`);
    }
    try {
      return this.parseOr();
    } finally {
      this.depth--;
    }
  }

  private parseOr(): SqlExpr {
    let left = this.parseAnd();
    while (this.isKw('OR')) {
      const op = this.next();
      const right = this.parseAnd();
      left = { kind: 'binary', op: 'or', left, right, pos: left.pos, opPos: op.pos };
    }
    return left;
  }

  private parseAnd(): SqlExpr {
    let left = this.parseNot();
    while (this.isKw('AND')) {
      const op = this.next();
      const right = this.parseNot();
      left = { kind: 'binary', op: 'and', left, right, pos: left.pos, opPos: op.pos };
    }
    return left;
  }

  private parseNot(): SqlExpr {
    const t = this.peek();
    if (!this.pendingPrimary && (this.isKw('NOT') || (this.isOp('!') && !this.isOp('=', 1)))) {
      this.next();
      const arg = this.parseNot();
      return { kind: 'unary', op: 'not', arg, pos: t.pos };
    }
    return this.parsePredicate();
  }

  /** A comparison chain followed by at most one predicate (BETWEEN, IN, LIKE, IS ...). */
  private parsePredicate(): SqlExpr {
    const left = this.parseComparison();
    const t = this.peek();
    let negated = false;
    if (this.isKw('NOT') && (this.isKw('BETWEEN', 1) || this.isKw('IN', 1) || this.isKw('LIKE', 1) || this.isKw('ILIKE', 1) || this.isKw('RLIKE', 1) || this.isKw('REGEXP', 1))) {
      this.next();
      negated = true;
    }
    if (this.takeKw('BETWEEN')) {
      if (this.isKw('SYMMETRIC')) this.unsupported(this.peek().pos, 'BETWEEN SYMMETRIC');
      this.acceptKw('ASYMMETRIC');
      const low = this.parseComparison();
      this.expectKw('AND');
      const high = this.parseComparison();
      return { kind: 'between', arg: left, low, high, negated, pos: left.pos };
    }
    if (this.takeKw('IN')) {
      this.expectOp('(');
      if (this.isKw('SELECT') || this.isKw('WITH') || this.isKw('VALUES') || (this.isOp('(') && this.looksLikeQueryParen(0))) {
        const query = this.parseQuery();
        this.expectOp(')');
        return { kind: 'inSubquery', arg: left, query, negated, pos: left.pos };
      }
      if (this.isOp(')')) this.error(this.peek().pos, 'IN () needs at least one value');
      const list: SqlExpr[] = [];
      do list.push(this.parseExpr());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { kind: 'inList', arg: left, list, negated, pos: left.pos };
    }
    for (const [kw, op] of [['LIKE', 'like'], ['ILIKE', 'ilike'], ['RLIKE', 'rlike'], ['REGEXP', 'rlike']] as const) {
      if (this.takeKw(kw)) {
        if (this.isKw('ANY') || this.isKw('ALL') || this.isKw('SOME')) this.unsupported(this.peek().pos, `${kw} ${this.peek().upper} (...)`, `combine several ${kw} tests with OR / AND`);
        const pattern = this.parseComparison();
        let escape: string | null = null;
        if (op !== 'rlike' && this.acceptKw('ESCAPE')) {
          const et = this.peek();
          escape = this.stringLiteral();
          if (escape.length !== 1) this.error(et.pos, `the ESCAPE string must be one character, got '${escape}'`);
        }
        return { kind: 'like', op, arg: left, pattern, negated, escape, pos: left.pos };
      }
    }
    if (negated) this.fail();
    if (this.takeKw('IS')) {
      const neg = this.acceptKw('NOT');
      if (this.acceptKw('NULL')) return { kind: 'is', arg: left, test: 'null', negated: neg, pos: left.pos };
      if (this.acceptKw('TRUE')) return { kind: 'is', arg: left, test: 'true', negated: neg, pos: left.pos };
      if (this.acceptKw('FALSE')) return { kind: 'is', arg: left, test: 'false', negated: neg, pos: left.pos };
      if (this.acceptKw('UNKNOWN')) return { kind: 'is', arg: left, test: 'null', negated: neg, pos: left.pos };
      if (this.acceptKw('DISTINCT')) {
        this.expectKw('FROM');
        const right = this.parseComparison();
        return { kind: 'distinctFrom', left, right, negated: neg, pos: left.pos };
      }
      this.fail();
    }
    void t;
    return left;
  }

  private static readonly COMPARISONS: Record<string, string> = {
    '=': 'eq', '==': 'eq', '<>': 'neq', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte', '<=>': 'eq_null_safe',
  };

  private parseComparison(): SqlExpr {
    let left = this.parseBitwise();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'op' ? Parser.COMPARISONS[t.text] : undefined;
      if (!op) return left;
      this.next();
      if (this.isKw('ANY') || this.isKw('ALL') || this.isKw('SOME')) {
        this.unsupported(this.peek().pos, `quantified comparison ${t.text} ${this.peek().upper} (subquery)`, 'use IN / NOT IN, EXISTS, or compare with a scalar subquery (SELECT max(...) ...)');
      }
      const right = this.parseBitwise();
      left = { kind: 'binary', op, left, right, pos: left.pos, opPos: t.pos };
    }
  }

  private parseBitwise(): SqlExpr {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '&' || t.text === '|' || t.text === '^')) {
      this.unsupported(t.pos, `bitwise operator '${t.text}'`);
    }
    return left;
  }

  private parseAdditive(): SqlExpr {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || (t.text !== '+' && t.text !== '-' && t.text !== '||')) return left;
      this.next();
      const right = this.parseMultiplicative();
      const op = t.text === '+' ? 'add' : t.text === '-' ? 'subtract' : 'concat';
      left = { kind: 'binary', op, left, right, pos: left.pos, opPos: t.pos };
    }
  }

  private parseMultiplicative(): SqlExpr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      let op: string | null = null;
      if (t.kind === 'op' && t.text === '*') op = 'multiply';
      else if (t.kind === 'op' && t.text === '/') op = 'divide';
      else if (t.kind === 'op' && t.text === '%') op = 'mod';
      else if (this.isKw('DIV')) op = 'div';
      if (!op) return left;
      this.next();
      const right = this.parseUnary();
      left = { kind: 'binary', op, left, right, pos: left.pos, opPos: t.pos };
    }
  }

  private parseUnary(): SqlExpr {
    const t = this.peek();
    if (this.pendingPrimary) return this.parsePostfix();
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      const arg = this.parseUnary();
      if (t.text === '+') return arg;
      if (arg.kind === 'literal' && typeof arg.value === 'number') {
        return negateLiteral(arg, t.pos);
      }
      if (arg.kind === 'interval') return { ...arg, months: -arg.months, days: -arg.days, micros: -arg.micros, pos: t.pos, text: `-${arg.text}` };
      return { kind: 'unary', op: '-', arg, pos: t.pos };
    }
    if (this.isOp('~')) this.unsupported(t.pos, "bitwise operator '~'");
    return this.parsePostfix();
  }

  private parsePostfix(): SqlExpr {
    let e = this.parsePrimary();
    for (;;) {
      const t = this.peek();
      if (this.isOp('::')) {
        this.next();
        const { type, text } = this.parseType();
        e = { kind: 'cast', arg: e, to: type, typeText: text, pos: e.pos };
        continue;
      }
      if (this.isOp('[')) {
        this.next();
        const index = this.parseExpr();
        this.expectOp(']');
        e = { kind: 'subscript', arg: e, index, pos: e.pos };
        continue;
      }
      if (this.isOp('.') && e.kind !== 'ident' && this.peek(1).kind === 'ident') {
        // (expr).field: a struct field, as s['field'].
        this.next();
        const f = this.next();
        e = { kind: 'subscript', arg: e, index: { kind: 'literal', value: f.text, type: 'utf8', pos: f.pos, text: f.text }, pos: e.pos };
        continue;
      }
      if (this.isOp('.') && e.kind !== 'ident') this.unsupported(t.pos, 'field access on an expression');
      return e;
    }
  }

  /** A type name as in CAST(x AS type): int, bigint, double, decimal(10,2), string, varchar(20), date, timestamp, array<int>. */
  parseType(): { type: DataType; text: string } {
    const t = this.peek();
    if (t.kind !== 'ident') {
      this.note('a type name');
      this.fail();
    }
    this.next();
    let text = t.text;
    if (t.upper === 'ARRAY' && this.isOp('<')) {
      this.next();
      const inner = this.parseType();
      this.expectOp('>');
      const type = parseTypeName(`array<${inner.text}>`);
      if (!type) this.error(t.pos, `unsupported type 'array<${inner.text}>' (nested arrays are not supported)`);
      return { type, text: `array<${inner.text}>` };
    }
    if ((t.upper === 'MAP' || t.upper === 'STRUCT') && this.isOp('<')) {
      // STRUCT<a: INT, b STRING> / MAP<K, V>
      this.next();
      const parts: string[] = [];
      do {
        if (t.upper === 'STRUCT') {
          const name = this.next();
          this.acceptOp(':');
          parts.push(`\`${name.text.replace(/`/g, '``')}\`:${this.parseType().text}`);
        } else {
          parts.push(this.parseType().text);
        }
      } while (this.acceptOp(','));
      this.expectOp('>');
      const text = `${t.upper.toLowerCase()}<${parts.join(',')}>`;
      const type = parseTypeName(text);
      if (!type) this.error(t.pos, `unsupported type '${text}'`);
      return { type, text };
    }
    if (this.isOp('(')) {
      this.next();
      const params: string[] = [];
      do {
        const p = this.peek();
        if (p.kind !== 'number') {
          this.note('a number');
          this.fail();
        }
        params.push(this.next().text);
      } while (this.acceptOp(','));
      this.expectOp(')');
      text += `(${params.join(',')})`;
    }
    if (t.upper === 'INTERVAL' || t.upper === 'MAP' || t.upper === 'STRUCT') this.unsupported(t.pos, `type '${t.text.toLowerCase()}'`);
    let type: DataType | undefined;
    try {
      type = parseTypeName(text);
    } catch (e) {
      this.error(t.pos, (e as Error).message); // decimal(p,s) out of range
    }
    if (!type) {
      this.error(t.pos, `unknown type '${t.text}'; use one of boolean, int, bigint, double, decimal, string, binary, date, timestamp, array<...>`);
    }
    return { type, text: text.toUpperCase() };
  }

  private parsePrimary(): SqlExpr {
    if (this.pendingPrimary) {
      const e = this.pendingPrimary;
      this.pendingPrimary = null;
      return e;
    }
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return numberLiteral(t, this);
      case 'string': {
        const s = this.stringLiteral();
        return { kind: 'literal', value: s, type: 'utf8', pos: t.pos, text: s };
      }
      case 'param':
        this.unsupported(t.pos, "query parameter '?'");
      // falls through (unreachable)
      case 'op':
        if (t.text === '(') return this.parseParen();
        if (t.text === ':' && this.peek(1).kind === 'ident') this.unsupported(t.pos, "named parameter ':name'");
        if (t.text === '*') this.error(t.pos, "'*' is only allowed in the SELECT list and in count(*)");
        break;
      case 'ident':
        return this.parseIdentPrimary(t);
      case 'eof':
        break;
    }
    this.note('an expression');
    this.fail();
  }

  /**
   * A parenthesised expression or a scalar subquery. A run of opening parentheses (`((((a)))`,
   * `((a + b) * c)`) is parsed with a loop, not one recursion per parenthesis: the innermost
   * expression first, then each enclosing level as an expression whose first operand is the
   * level inside it, so the nesting depth of parentheses is unlimited.
   */
  private parseParen(): SqlExpr {
    if (this.looksLikeQueryParen(0)) {
      const open = this.next();
      const query = this.parseQuery();
      this.expectOp(')');
      return { kind: 'subquery', query, pos: open.pos };
    }
    const opens: Token[] = [];
    while (this.isOp('(')) opens.push(this.next());
    let e = this.parseExpr();
    for (let level = opens.length - 1; ; level--) {
      if (this.isOp(',')) this.unsupported(opens[level]!.pos, 'row value (a, b, ...)', 'compare the fields one by one');
      this.expectOp(')');
      if (level === 0) return e;
      this.pendingPrimary = e;
      e = this.parseExpr();
    }
  }

  private parseIdentPrimary(t: Token): SqlExpr {
    if (!t.quoted) {
      switch (t.upper) {
        case 'NULL': this.next(); return { kind: 'literal', value: null, type: 'null', pos: t.pos, text: 'NULL' };
        case 'TRUE': this.next(); return { kind: 'literal', value: true, type: 'boolean', pos: t.pos, text: 'true' };
        case 'FALSE': this.next(); return { kind: 'literal', value: false, type: 'boolean', pos: t.pos, text: 'false' };
        case 'CASE': return this.parseCase();
        case 'CAST': case 'TRY_CAST': {
          this.next();
          this.expectOp('(');
          const arg = this.parseExpr();
          this.expectKw('AS');
          const { type, text } = this.parseType();
          this.expectOp(')');
          return { kind: 'cast', arg, to: type, typeText: text, pos: t.pos };
        }
        case 'EXISTS': {
          // exists(array, x -> ...) is the higher-order function; EXISTS (SELECT ...) the subquery test.
          if (this.isOp('(', 1) && !(this.isKw('SELECT', 2) || this.isKw('WITH', 2) || this.isKw('VALUES', 2) || this.isKw('FROM', 2) || this.isKw('TABLE', 2) || this.isOp('(', 2))) return this.parseCall(this.next());
          this.next();
          this.expectOp('(');
          const query = this.parseQuery();
          this.expectOp(')');
          return { kind: 'exists', query, pos: t.pos };
        }
        case 'INTERVAL':
          if (this.peek(1).kind === 'string' || this.peek(1).kind === 'number' || (this.peek(1).kind === 'op' && this.peek(1).text === '-')) return this.parseInterval();
          break;
        case 'DATE': case 'TIMESTAMP': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ':
          if (this.peek(1).kind === 'string') return this.parseTypedLiteral();
          break;
        case 'X':
          if (this.peek(1).kind === 'string' && this.peek(1).pos.offset === t.end) return this.binaryLiteral();
          break;
        case 'CURRENT_DATE': case 'CURRENT_TIMESTAMP':
          if (!this.isOp('(', 1)) {
            this.next();
            return { kind: 'func', name: t.text.toLowerCase(), args: [], distinct: false, star: false, filter: null, ignoreNulls: false, over: null, pos: t.pos };
          }
          break;
        case 'EXTRACT':
          if (this.isOp('(', 1)) return this.parseExtract();
          break;
        case 'SUBSTRING': case 'SUBSTR':
          if (this.isOp('(', 1)) return this.parseSubstring();
          break;
        case 'POSITION':
          if (this.isOp('(', 1)) return this.parsePosition();
          break;
        case 'TRIM':
          if (this.isOp('(', 1)) return this.parseTrim();
          break;
        case 'ARRAY':
          if (this.isOp('[', 1)) this.unsupported(t.pos, 'ARRAY[...] constructor', 'use array(...)');
          break;
        default:
          break;
      }
      if (RESERVED.has(t.upper) && !(RESERVED_FUNCTIONS.has(t.upper) && this.isOp('(', 1))) {
        this.note('an expression');
        this.fail();
      }
    }
    this.next();
    // function call
    if (this.isOp('(')) return this.parseCall(t);
    if (this.isOp('->')) this.unsupported(this.peek().pos, 'lambda function (x -> ...)');
    const parts = [t.text];
    const partPos = [t.pos];
    while (this.isOp('.') && this.peek(1).kind === 'ident') {
      if (this.isOp('*', 1)) break;
      this.next();
      const p = this.next();
      parts.push(p.text);
      partPos.push(p.pos);
    }
    if (this.isOp('.') && this.isOp('*', 1)) this.error(this.peek(1).pos, `'${parts.join('.')}.*' is only allowed in the SELECT list`);
    if (parts.length > 1 && this.isOp('(')) this.unsupported(t.pos, `qualified function name '${parts.join('.')}'`);
    return { kind: 'ident', parts, pos: t.pos, partPos };
  }

  /** True when a lambda function starts here: `x ->` or `(x, y) ->`. */
  private lambdaAhead(): boolean {
    const t = this.peek();
    if (t.kind === 'ident' && !RESERVED.has(t.upper)) return this.isOp('->', 1);
    if (!this.isOp('(')) return false;
    for (let k = 1; ; k += 2) {
      if (this.peek(k).kind !== 'ident') return false;
      if (this.isOp(')', k + 1)) return this.isOp('->', k + 2);
      if (!this.isOp(',', k + 1)) return false;
    }
  }

  /** A lambda function argument `x -> body` / `(x, y) -> body`. */
  private parseLambda(): SqlExpr {
    const pos = this.peek().pos;
    const params: { name: string; pos: Pos }[] = [];
    if (this.acceptOp('(')) {
      do params.push(this.identifier('a lambda parameter name'));
      while (this.acceptOp(','));
      this.expectOp(')');
    } else {
      params.push(this.identifier('a lambda parameter name'));
    }
    this.expectOp('->');
    return { kind: 'lambda', params, body: this.parseExpr(), pos };
  }

  private parseCall(nameTok: Token): SqlExpr {
    this.expectOp('(');
    const name = nameTok.text.toLowerCase();
    let distinct = false;
    let star = false;
    let args: SqlExpr[] = [];
    const fieldNames: (string | null)[] = [];
    if (this.isOp('*') && this.isOp(')', 1)) {
      star = true;
      this.next();
    } else if (!this.isOp(')')) {
      if (this.acceptKw('DISTINCT')) distinct = true;
      else this.acceptKw('ALL');
      do {
        args.push(this.lambdaAhead() ? this.parseLambda() : this.parseExpr());
        // struct(a AS x, ...): Spark names the field x.
        fieldNames.push(name === 'struct' && this.acceptKw('AS') ? this.next().text : null);
      } while (this.acceptOp(','));
    }
    if (fieldNames.some((f) => f !== null)) {
      // A named_struct whose other fields are named as struct() names them (column name, else colN).
      args = args.flatMap((a, i) => {
        const n = fieldNames[i] ?? (a.kind === 'ident' ? a.parts[a.parts.length - 1]! : `col${i + 1}`);
        return [{ kind: 'literal', value: n, type: 'utf8', pos: a.pos, text: n } as SqlExpr, a];
      });
      this.expectOp(')');
      return this.callSuffix({ ...nameTok, text: 'named_struct' }, 'named_struct', args, false, false, false);
    }
    if (this.isKw('ORDER') && this.isKw('BY', 1)) this.unsupported(this.peek().pos, 'ORDER BY inside a function call');
    if (this.isKw('IGNORE') && this.isKw('NULLS', 1) && !this.isOp(')', 2)) {
      // `first(x IGNORE NULLS)` (inside the parentheses)
      this.next();
      this.next();
      this.expectOp(')');
      return this.callSuffix(nameTok, name, args, distinct, star, true);
    }
    this.expectOp(')');
    if (this.isKw('WITHIN') && this.isKw('GROUP', 1)) return this.callSuffix(nameTok, name, this.withinGroup(name, args, nameTok.pos), distinct, star, false);
    return this.callSuffix(nameTok, name, args, distinct, star, false);
  }

  /**
   * `percentile_cont(p) WITHIN GROUP (ORDER BY x [ASC|DESC])` (and percentile_disc): becomes the
   * call's arguments (x, p, desc).
   */
  private withinGroup(name: string, args: SqlExpr[], pos: Pos): SqlExpr[] {
    const at = this.next().pos;
    this.next();
    if (name !== 'percentile_cont' && name !== 'percentile_disc') this.unsupported(at, `WITHIN GROUP on ${name}`, 'it is available for percentile_cont and percentile_disc');
    if (args.length !== 1) this.error(pos, `${name} takes one percentage before WITHIN GROUP, e.g. ${name}(0.5) WITHIN GROUP (ORDER BY x)`);
    this.expectOp('(');
    this.expectKw('ORDER');
    this.expectKw('BY');
    const items = this.orderItems();
    if (items.length !== 1) this.error(items[1]!.pos, `WITHIN GROUP of ${name} takes exactly one ORDER BY expression`);
    this.expectOp(')');
    const item = items[0]!;
    return [item.expr, args[0]!, { kind: 'literal', value: !item.ascending, type: 'boolean', pos: item.pos, text: item.ascending ? 'false' : 'true' }];
  }

  private callSuffix(nameTok: Token, name: string, args: SqlExpr[], distinct: boolean, star: boolean, ignoreNullsIn: boolean): SqlExpr {
    let ignoreNulls = ignoreNullsIn;
    let filter: SqlExpr | null = null;
    if (this.isKw('FILTER') && this.isOp('(', 1) && this.isKw('WHERE', 2)) {
      this.next();
      this.next();
      this.next();
      filter = this.parseExpr();
      this.expectOp(')');
    }
    if (this.isKw('IGNORE') && this.isKw('NULLS', 1)) {
      this.next();
      this.next();
      ignoreNulls = true;
    } else if (this.isKw('RESPECT') && this.isKw('NULLS', 1)) {
      this.next();
      this.next();
    }
    let over: SqlWindowSpec | null = null;
    if (this.acceptKw('OVER')) {
      if (this.isOp('(')) over = this.parseWindowSpecBody();
      else {
        const w = this.identifier('a window name or (');
        over = { base: w.name, partitionBy: [], orderBy: [], frame: null, pos: w.pos };
      }
    }
    return { kind: 'func', name, args, distinct, star, filter, ignoreNulls, over, pos: nameTok.pos };
  }

  private parseCase(): SqlExpr {
    const start = this.next().pos;
    let operand: SqlExpr | null = null;
    if (!this.isKw('WHEN')) operand = this.parseExpr();
    const whens: [SqlExpr, SqlExpr][] = [];
    while (this.acceptKw('WHEN')) {
      const cond = this.parseExpr();
      this.expectKw('THEN');
      whens.push([cond, this.parseExpr()]);
    }
    if (whens.length === 0) {
      this.note('WHEN');
      this.fail();
    }
    let otherwise: SqlExpr | null = null;
    if (this.acceptKw('ELSE')) otherwise = this.parseExpr();
    this.expectKw('END');
    return { kind: 'case', operand, whens, otherwise, pos: start };
  }

  private parseExtract(): SqlExpr {
    const start = this.next().pos;
    this.expectOp('(');
    const f = this.peek();
    let field: string;
    if (f.kind === 'ident') field = this.next().text;
    else if (f.kind === 'string') field = this.stringLiteral();
    else {
      this.note('a date field (YEAR, MONTH, DAY, ...)');
      this.fail();
    }
    if (!this.acceptKw('FROM')) this.expectOp(',');
    const arg = this.parseExpr();
    this.expectOp(')');
    return { kind: 'extract', field, arg, pos: start, fieldPos: f.pos };
  }

  private parseSubstring(): SqlExpr {
    const nameTok = this.next();
    this.expectOp('(');
    const s = this.parseExpr();
    const args = [s];
    if (this.acceptKw('FROM')) {
      args.push(this.parseExpr());
      if (this.acceptKw('FOR')) args.push(this.parseExpr());
    } else if (this.isKw('FOR')) {
      this.next();
      args.push({ kind: 'literal', value: 1, type: 'int32', pos: s.pos, text: '1' }, this.parseExpr());
    } else {
      while (this.acceptOp(',')) args.push(this.parseExpr());
    }
    this.expectOp(')');
    return this.callSuffix(nameTok, 'substring', args, false, false, false);
  }

  private parsePosition(): SqlExpr {
    const nameTok = this.next();
    this.expectOp('(');
    const first = this.parseAdditive();
    const args = [first];
    if (this.acceptKw('IN')) args.push(this.parseExpr());
    else while (this.acceptOp(',')) args.push(this.parseExpr());
    this.expectOp(')');
    return this.callSuffix(nameTok, 'locate', args, false, false, false);
  }

  private parseTrim(): SqlExpr {
    const nameTok = this.next();
    this.expectOp('(');
    let fn = 'trim';
    let sawMode = false;
    if (this.acceptKw('BOTH')) sawMode = true;
    else if (this.acceptKw('LEADING')) { fn = 'ltrim'; sawMode = true; }
    else if (this.acceptKw('TRAILING')) { fn = 'rtrim'; sawMode = true; }
    if (sawMode && this.acceptKw('FROM')) {
      const s = this.parseExpr();
      this.expectOp(')');
      return this.callSuffix(nameTok, fn, [s], false, false, false);
    }
    const first = this.parseExpr();
    if (this.acceptKw('FROM')) {
      // TRIM([mode] chars FROM str) → trim(str, chars)
      const s = this.parseExpr();
      this.expectOp(')');
      return this.callSuffix(nameTok, fn, [s, first], false, false, false);
    }
    const args = [first];
    while (this.acceptOp(',')) args.push(this.parseExpr());
    this.expectOp(')');
    return this.callSuffix(nameTok, fn, args, false, false, false);
  }

  private parseTypedLiteral(): SqlExpr {
    const t = this.next();
    const st = this.peek();
    const s = this.stringLiteral();
    if (t.upper === 'DATE') {
      const days = /^\s*[+-]?\d{4,6}-\d{1,2}-\d{1,2}\s*$/.test(s) || /^\s*\d{4}(-\d{1,2})?\s*$/.test(s) ? parseDate(s) : null;
      if (days === null) this.error(st.pos, `invalid DATE literal '${s}' (expected 'yyyy-MM-dd')`);
      return { kind: 'literal', value: days, type: 'date32', pos: t.pos, text: `DATE '${s}'` };
    }
    const micros = parseTimestamp(s);
    if (micros === null) this.error(st.pos, `invalid TIMESTAMP literal '${s}' (expected 'yyyy-MM-dd[ HH:mm:ss[.ffffff]]')`);
    return { kind: 'literal', value: micros, type: 'timestamp', pos: t.pos, text: `TIMESTAMP '${s}'` };
  }

  /** INTERVAL '3' DAY, INTERVAL 3 DAYS, INTERVAL '1 year 2 months', INTERVAL 1 YEAR 2 MONTHS. */
  private parseInterval(): SqlExpr {
    const start = this.next();
    let months = 0;
    let days = 0;
    let micros = 0;
    const add = (value: number, unitTok: Token | { upper: string; pos: Pos; text: string }) => {
      const unit = INTERVAL_UNITS[unitTok.upper];
      if (!unit) this.error(unitTok.pos, `unknown interval unit '${unitTok.text}'; use YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND or MICROSECOND`);
      if (unit[0] && !Number.isInteger(value)) this.error(unitTok.pos, `interval ${unitTok.text.toLowerCase()} must be a whole number, got ${value}`);
      if (unit[1] && !Number.isInteger(value)) {
        micros += Math.round(value * unit[1] * MICROS_PER_DAY);
        return;
      }
      months += value * unit[0];
      days += value * unit[1];
      micros += Math.round(value * unit[2]);
    };
    let any = false;
    for (;;) {
      const vt = this.peek();
      let value: number;
      if (vt.kind === 'string') {
        const s = this.stringLiteral().trim();
        if (/^[+-]?\d+(\.\d+)?$/.test(s)) {
          value = Number(s);
        } else {
          // A string holding value-unit pairs: '1 year 2 months', '3 days'
          const re = /([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]+)/g;
          let m: RegExpExecArray | null;
          let consumed = '';
          while ((m = re.exec(s))) {
            add(Number(m[1]), { upper: m[2]!.toUpperCase(), pos: vt.pos, text: m[2]! });
            consumed += m[0];
          }
          if (!consumed || s.replace(re, '').trim() !== '') {
            if (/^[+-]?\d+-\d+$/.test(s) || /:/.test(s)) this.unsupported(vt.pos, `interval string '${s}' (YEAR TO MONTH / DAY TO SECOND form)`, "write INTERVAL '1' YEAR + INTERVAL '2' MONTH");
            this.error(vt.pos, `invalid interval string '${s}'`);
          }
          any = true;
          if (this.isKw('TO')) this.unsupported(this.peek().pos, 'INTERVAL ... TO ... range');
          break;
        }
      } else if (vt.kind === 'number' || (vt.kind === 'op' && vt.text === '-' && this.peek(1).kind === 'number')) {
        const neg = vt.kind === 'op';
        if (neg) this.next();
        const nt = this.next();
        value = Number(nt.text.replace(/[a-zA-Z]+$/, ''));
        if (neg) value = -value;
      } else {
        break;
      }
      const ut = this.peek();
      if (ut.kind !== 'ident' || !INTERVAL_UNITS[ut.upper]) {
        this.note('an interval unit (YEAR, MONTH, DAY, HOUR, ...)');
        this.fail();
      }
      this.next();
      add(value, ut);
      any = true;
      if (this.isKw('TO')) this.unsupported(this.peek().pos, 'INTERVAL ... TO ... range', "write INTERVAL '1' YEAR + INTERVAL '2' MONTH");
    }
    if (!any) {
      this.note('an interval value');
      this.fail();
    }
    const text = this.source.slice(start.pos.offset, this.tokens[this.i - 1]!.end);
    return { kind: 'interval', months, days, micros, pos: start.pos, text };
  }

  // ---------------------------------------------------------------- entry points for expressions

  /** Parses a whole text as one expression. */
  parseStandaloneExpr(): SqlExpr {
    const e = this.parseExpr();
    if (this.peek().kind !== 'eof') {
      this.note('end of input');
      this.fail();
    }
    return e;
  }

  /** Parses a whole text as one SELECT-list item (`expr [AS alias]` or `*`). */
  parseStandaloneSelectItem(): SqlSelectItem {
    const item = this.parseSelectItem();
    if (this.peek().kind !== 'eof') {
      this.note('end of input');
      this.fail();
    }
    return item;
  }
}

function negateLiteral(arg: Extract<SqlExpr, { kind: 'literal' }>, pos: Pos): SqlExpr {
  const v = -(arg.value as number);
  let type = arg.type;
  // -2147483648 fits int32; a long literal stays long.
  if (type === 'int64' && !/L$/i.test(arg.text) && v >= -2147483648) type = 'int32';
  return { kind: 'literal', value: v === 0 ? 0 : v, type, pos, text: `-${arg.text}` };
}

function numberLiteral(t: Token, p: Parser): SqlExpr {
  const text = t.text;
  const upper = text.toUpperCase();
  let body = text;
  let type: DataType;
  let value: number;
  if (upper.endsWith('BD')) return decimalLiteral(t, p);
  if (/[LSYDF]$/.test(upper)) {
    body = text.slice(0, -1);
    const suffix = upper[upper.length - 1];
    type = suffix === 'L' ? 'int64' : suffix === 'S' || suffix === 'Y' ? 'int32' : 'float64';
  } else {
    type = /[.eE]/.test(text) ? 'float64' : 'int32';
  }
  value = Number(body);
  if (type === 'int32' || type === 'int64') {
    if (/[.eE]/.test(body)) p.error(t.pos, `invalid integer literal '${text}'`);
    if (type === 'int32' && Math.abs(value) > 2147483647) type = /[SY]$/.test(upper) ? p.error(t.pos, `literal '${text}' is out of range for its type`) : 'int64';
    if (type === 'int64' && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
      if (upper.endsWith('L')) p.error(t.pos, `integer literal '${text}' is outside the exact range of bigint values (±2^53)`);
      type = 'float64';
    }
  }
  if (!Number.isFinite(value)) p.error(t.pos, `numeric literal '${text}' is out of range`);
  const lit: LiteralValue = value;
  return { kind: 'literal', value: lit, type, pos: t.pos, text };
}

/** `1.23BD`: an exact decimal(p,s) literal (its digits decide p and s, as Spark's BigDecimal does), kept as its decimal text. */
function decimalLiteral(t: Token, p: Parser): SqlExpr {
  const body = t.text.slice(0, -2);
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(body)!;
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  const scale = Math.max(0, (m[2] ?? '').length - exp);
  const v = parseDecimal(body, scale);
  const digits = v === null ? 0 : (v < 0n ? -v : v).toString().replace(/^0+/, '').length;
  const precision = Math.max(digits, scale, 1);
  if (v === null || precision > MAX_DECIMAL_PRECISION) p.error(t.pos, `decimal literal '${t.text}' has more than ${MAX_DECIMAL_PRECISION} digits; use a double literal (without BD)`);
  return { kind: 'literal', value: formatDecimal(v, scale), type: decimalType(precision, scale), pos: t.pos, text: t.text };
}

/** Expected keywords close to a misspelt word (`FORM` → FROM, `GROUPBY` → GROUP BY). */
function nearMisses(t: Token, expected: readonly string[]): string[] {
  if (t.kind !== 'ident' || t.quoted) return [];
  const word = t.upper;
  return expected.filter((label) => {
    if (!/^[A-Z][A-Z ]*$/.test(label)) return false;
    const target = label.replace(/ /g, '');
    if (target === word) return label.includes(' ');
    const d = keywordDistance(word, target);
    return d <= (target.length <= 4 ? 1 : 2);
  });
}

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (FORM → FROM is 1). */
function keywordDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function withEnd(near: readonly string[], expected: readonly string[]): string[] {
  return expected.includes('end of input') ? [...near, 'end of input'] : [...near];
}

/** Parses SQL text into statements. */
export function parseSql(source: string): SqlStatement[] {
  return new Parser(source).parseStatements();
}

/** Parses one expression (for `F.expr`, `df.filter('...')`). */
export function parseExpression(source: string): SqlExpr {
  return new Parser(source).parseStandaloneExpr();
}

/** Parses one SELECT-list item (for `df.selectExpr`). */
export function parseSelectItem(source: string): SqlSelectItem {
  return new Parser(source).parseStandaloneSelectItem();
}
