/**
 * Malformed and wrong SQL: the exact error messages — class, position (line, column), the SQL
 * line with a caret under the spot, what the parser expected, "did you mean" suggestions, and the
 * names of unsupported constructs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, ParseError, Session, TypeMismatchError, functions as F } from '../src/index.js';

let spark: Session;

beforeAll(async () => {
  spark = await Session.create({ threads: 1 });
  spark.createDataFrame([{ id: 1, balance: 5, job: 'x', age: 3 }], 'id INT, balance INT, job STRING, age INT').createOrReplaceTempView('bank');
  spark.createDataFrame([{ id: 1, name: 'a' }], 'id INT, name STRING').createOrReplaceTempView('people');
});
afterAll(() => spark.stop());

type ErrorClass = typeof ParseError | typeof AnalysisError | typeof TypeMismatchError;

function failure(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** Asserts `sql` fails with exactly `message` (the message includes the SQL line and caret). */
function expectError(sql: string, cls: ErrorClass, message: string): void {
  const e = failure(() => spark.sql(sql));
  expect(e).toBeInstanceOf(cls);
  expect(e.message).toBe(message);
}

describe('syntax errors say what was expected', () => {
  it('a misspelt keyword', () => {
    expectError('SELECT * FORM bank', ParseError, [
      "line 1, column 10: expected FROM or end of input but found 'FORM'",
      'SELECT * FORM bank',
      '         ^',
    ].join('\n'));
    const e = failure(() => spark.sql('SELECT * FORM bank')) as ParseError;
    expect([e.line, e.column]).toEqual([1, 10]);
  });

  it('a misspelt keyword first read as an alias is reported at the keyword', () => {
    expectError('SELECT id FORM bank', ParseError, [
      "line 1, column 11: expected FROM or end of input but found 'FORM'",
      'SELECT id FORM bank',
      '          ^',
    ].join('\n'));
    expectError('SELECT id FROM bank WHER balance > 0', ParseError, [
      "line 1, column 21: expected WHERE or end of input but found 'WHER'",
      'SELECT id FROM bank WHER balance > 0',
      '                    ^',
    ].join('\n'));
  });

  it('multi-word keywords', () => {
    expectError('SELECT id FROM bank WHERE balance > 0 GROUPBY id', ParseError, [
      "line 1, column 39: expected GROUP BY or end of input but found 'GROUPBY'",
      'SELECT id FROM bank WHERE balance > 0 GROUPBY id',
      '                                      ^',
    ].join('\n'));
    expectError('SELECT id FROM bank ORDER id', ParseError, [
      "line 1, column 21: expected ORDER BY or end of input but found 'ORDER'",
      'SELECT id FROM bank ORDER id',
      '                    ^',
    ].join('\n'));
  });

  it('the full list of what may follow when nothing is close', () => {
    expectError('SELECT id FROM bank b c', ParseError, [
      "line 1, column 23: expected NATURAL, JOIN, INNER, CROSS, LEFT, RIGHT, FULL, SEMI, ANTI, ',', WHERE, GROUP BY, HAVING, WINDOW, INTERSECT, UNION, EXCEPT, ORDER BY, LIMIT, OFFSET or end of input but found 'c'",
      'SELECT id FROM bank b c',
      '                      ^',
    ].join('\n'));
  });

  it('missing expressions and parentheses', () => {
    expectError('SELECT id, FROM bank', ParseError, [
      "line 1, column 12: expected an expression but found 'FROM'",
      'SELECT id, FROM bank',
      '           ^',
    ].join('\n'));
    expectError('SELECT id FROM bank\nWHERE balance > 0 AND', ParseError, [
      'line 2, column 22: expected an expression but found end of input',
      'WHERE balance > 0 AND',
      '                     ^',
    ].join('\n'));
    expectError('SELECT (id + 1 FROM bank', ParseError, [
      "line 1, column 16: expected ')' but found 'FROM'",
      'SELECT (id + 1 FROM bank',
      '               ^',
    ].join('\n'));
    expectError('SELECT CASE id END FROM bank', ParseError, [
      "line 1, column 16: expected WHEN but found 'END'",
      'SELECT CASE id END FROM bank',
      '               ^',
    ].join('\n'));
  });

  it('reserved words need backticks to be names', () => {
    expectError('SELECT id FROM bank AS select', ParseError, [
      "line 1, column 24: expected an alias but found reserved word 'select' (quote it with backticks to use it as a name: `select`)",
      'SELECT id FROM bank AS select',
      '                       ^',
    ].join('\n'));
  });

  it('lexical errors', () => {
    expectError("SELECT 'abc FROM bank", ParseError, [
      'line 1, column 8: unterminated string literal',
      "SELECT 'abc FROM bank",
      '       ^',
    ].join('\n'));
    expectError('SELECT id\nFROM bank /* no end', ParseError, [
      "line 2, column 11: unterminated comment: '/*' has no matching '*/'",
      'FROM bank /* no end',
      '          ^',
    ].join('\n'));
    expectError('SELECT 1abc FROM bank', ParseError, [
      "line 1, column 8: invalid number or identifier '1abc' (identifiers cannot start with a digit unless quoted with backticks)",
      'SELECT 1abc FROM bank',
      '       ^',
    ].join('\n'));
    expectError('SELECT id FROM bank WHERE id # 2', ParseError, [
      "line 1, column 30: unexpected character '#'",
      'SELECT id FROM bank WHERE id # 2',
      '                             ^',
    ].join('\n'));
  });

  it('bad literals and types', () => {
    expectError("SELECT DATE '2020-13-45'", ParseError, [
      "line 1, column 13: invalid DATE literal '2020-13-45' (expected 'yyyy-MM-dd')",
      "SELECT DATE '2020-13-45'",
      '            ^',
    ].join('\n'));
    expectError("SELECT DATE '2020-01-01' + INTERVAL '3' FORTNIGHT", ParseError, [
      "line 1, column 41: expected an interval unit (YEAR, MONTH, DAY, HOUR, ...) but found 'FORTNIGHT'",
      "SELECT DATE '2020-01-01' + INTERVAL '3' FORTNIGHT",
      '                                        ^',
    ].join('\n'));
    expectError('SELECT CAST(id AS blob) FROM bank', ParseError, [
      "line 1, column 19: unknown type 'blob'; use one of boolean, int, bigint, double, decimal, string, binary, date, timestamp, array<...>",
      'SELECT CAST(id AS blob) FROM bank',
      '                  ^',
    ].join('\n'));
  });

  it('trailing garbage after a statement and empty input', () => {
    expectError('SELECT id FROM bank; garbage', ParseError, [
      "line 1, column 22: expected SELECT, WITH, VALUES, CREATE, DROP, SHOW, DESCRIBE or EXPLAIN but found 'garbage'",
      'SELECT id FROM bank; garbage',
      '                     ^',
    ].join('\n'));
    expectError('  -- nothing here', ParseError, 'line 1, column 18: empty SQL statement\n  -- nothing here\n                 ^');
  });
});

describe('unsupported constructs are named', () => {
  const cases: [string, string, number][] = [
    ['SELECT id FROM bank TABLESAMPLE (10 PERCENT)', 'TABLESAMPLE is not supported; use DataFrame.sample()', 21],
    ['SELECT job FROM bank GROUP BY job WITH ROLLUP', 'WITH ROLLUP is not supported; write GROUP BY ROLLUP(...)', 35],
    ['SELECT median(balance) WITHIN GROUP (ORDER BY id) FROM bank', 'WITHIN GROUP on median is not supported; it is available for percentile_cont and percentile_disc', 24],
    ['WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t', 'WITH RECURSIVE is not supported', 6],
    ['SELECT id FROM bank WHERE id > ALL (SELECT id FROM people)', 'quantified comparison > ALL (subquery) is not supported; use IN / NOT IN, EXISTS, or compare with a scalar subquery (SELECT max(...) ...)', 32],
    ['SELECT id & 1 FROM bank', "bitwise operator '&' is not supported", 11],
    ['SELECT id FROM bank QUALIFY row_number() OVER (ORDER BY id) = 1', 'QUALIFY is not supported; filter the window results in an outer query', 21],
    ['SELECT id FROM bank SORT BY id', 'SORT BY is not supported; use ORDER BY', 21],
    ['SELECT id FROM bank WHERE id = ?', "query parameter '?' is not supported", 32],
    ['SELECT sum(balance) OVER (ORDER BY id GROUPS 1 PRECEDING) FROM bank', 'GROUPS frame is not supported; use ROWS or RANGE', 39],
    ["SELECT id FROM bank WHERE job LIKE ANY ('a')", 'LIKE ANY (...) is not supported; combine several LIKE tests with OR / AND', 36],
    ['SELECT CAST(id AS interval) FROM bank', "type 'interval' is not supported", 19],
    ['INSERT INTO bank VALUES (1)', 'INSERT statement is not supported; Kindling SQL runs queries over temporary views (SELECT, WITH, CREATE TEMP VIEW, DROP VIEW, CACHE TABLE, UNCACHE TABLE, CLEAR CACHE, SHOW TABLES, DESCRIBE, EXPLAIN)', 1],
    ['CREATE TABLE t (a INT)', 'CREATE TABLE is not supported; Kindling has temporary views only: CREATE TEMP VIEW name AS SELECT ...', 8],
    ['SELECT id FROM db.bank', "database-qualified names are not supported: 'db.bank' (temporary views have one-part names)", 16],
  ];
  it.each(cases)('%s', (sql, message, column) => {
    const e = failure(() => spark.sql(sql));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe(`line 1, column ${column}: ${message}\n${sql}\n${' '.repeat(column - 1)}^`);
  });
});

describe('resolution errors point at the spot', () => {
  it('unknown column with did-you-mean, on the right line', () => {
    expectError('SELECT id,\n       job\nFROM bank\nWHERE balnce > 0', AnalysisError, [
      "line 4, column 7: unknown column 'balnce' in table 'bank' (did you mean 'balance'?)",
      'WHERE balnce > 0',
      '      ^',
    ].join('\n'));
  });

  it('qualified columns and unknown aliases', () => {
    expectError('SELECT b.balnce FROM bank b', AnalysisError, [
      "line 1, column 10: unknown column 'balnce' in table 'b' (did you mean 'balance'?)",
      'SELECT b.balnce FROM bank b',
      '         ^',
    ].join('\n'));
    expectError('SELECT x.balance FROM bank b', AnalysisError, [
      "line 1, column 8: unknown table or alias 'x' in 'x.balance' (did you mean 'b'?); tables in FROM: 'b'",
      'SELECT x.balance FROM bank b',
      '       ^',
    ].join('\n'));
    expectError('SELECT nme FROM bank, people', AnalysisError, [
      "line 1, column 8: unknown column 'nme' in tables 'bank', 'people' (did you mean 'name' or 'age'?)",
      'SELECT nme FROM bank, people',
      '       ^',
    ].join('\n'));
  });

  it('ambiguous references', () => {
    expectError('SELECT id FROM bank JOIN people ON bank.id = people.id', AnalysisError, [
      "line 1, column 8: column reference 'id' is ambiguous: it could be 'bank.id' or 'people.id'; qualify it with a table name or alias",
      'SELECT id FROM bank JOIN people ON bank.id = people.id',
      '       ^',
    ].join('\n'));
  });

  it('unknown tables and views', () => {
    expectError('SELECT id FROM bnak', AnalysisError, [
      "line 1, column 16: table or view 'bnak' not found (did you mean 'bank'?)",
      'SELECT id FROM bnak',
      '               ^',
    ].join('\n'));
    expectError('DESCRIBE nope', AnalysisError, "line 1, column 10: table or view 'nope' not found\nDESCRIBE nope\n         ^");
    expectError('DROP VIEW nope', AnalysisError, "line 1, column 1: temporary view 'nope' not found; use DROP VIEW IF EXISTS to ignore\nDROP VIEW nope\n^");
  });

  it('unknown functions (one registry) with did-you-mean', () => {
    expectError('SELECT sqrtt(balance) FROM bank', AnalysisError, [
      "line 1, column 8: undefined function 'sqrtt' (did you mean 'sqrt'?)",
      'SELECT sqrtt(balance) FROM bank',
      '       ^',
    ].join('\n'));
    expectError('SELECT job, summ(balance) FROM bank GROUP BY job', AnalysisError, [
      "line 1, column 13: undefined function 'summ' (did you mean 'sum' or 'some'?)",
      'SELECT job, summ(balance) FROM bank GROUP BY job',
      '            ^',
    ].join('\n'));
    expectError('SELECT upper(balance, 1) FROM bank', AnalysisError, [
      'line 1, column 8: function upper takes 1 argument(s) but 2 were given in upper(balance, 1)',
      'SELECT upper(balance, 1) FROM bank',
      '       ^',
    ].join('\n'));
  });

  it('type errors keep their class and point at the innermost expression', () => {
    expectError('SELECT id + year(age) FROM bank', TypeMismatchError, [
      'line 1, column 13: cannot resolve year(age): argument types (int32) do not match; expected a date (or a date string / timestamp)',
      'SELECT id + year(age) FROM bank',
      '            ^',
    ].join('\n'));
    // binary operators are reported at the operator
    expectError('SELECT id + (age > true) FROM bank', TypeMismatchError, "line 1, column 18: cannot resolve (age > true): argument types (int32, boolean) do not match; expected comparable operands for '>' (cast one side)\nSELECT id + (age > true) FROM bank\n                 ^");
    expectError('SELECT sum(job) FROM bank', TypeMismatchError, 'line 1, column 8: cannot resolve sum(job): argument types (utf8) do not match; expected a numeric argument for sum\nSELECT sum(job) FROM bank\n       ^');
    expectError('SELECT CASE WHEN id THEN 1 END FROM bank', TypeMismatchError, 'line 1, column 8: WHEN condition id must be boolean but is int32\nSELECT CASE WHEN id THEN 1 END FROM bank\n       ^');
    expectError('SELECT id FROM bank WHERE job', AnalysisError, 'line 1, column 27: WHERE condition must be boolean but job is string\nSELECT id FROM bank WHERE job\n                          ^');
  });

  it('aggregation mistakes', () => {
    expectError('SELECT job, balance FROM bank GROUP BY job', AnalysisError, [
      "line 1, column 13: column 'balance' must appear in the GROUP BY clause or be used in an aggregate function",
      'SELECT job, balance FROM bank GROUP BY job',
      '            ^',
    ].join('\n'));
    expectError('SELECT job, count(*) FROM bank GROUP BY job HAVING balance > 1', AnalysisError, [
      "line 1, column 52: column 'balance' must appear in the GROUP BY clause or be used in an aggregate function",
      'SELECT job, count(*) FROM bank GROUP BY job HAVING balance > 1',
      '                                                   ^',
    ].join('\n'));
    expectError('SELECT id FROM bank WHERE sum(balance) > 0', AnalysisError, 'line 1, column 27: aggregate function sum(...) is not allowed in WHERE\nSELECT id FROM bank WHERE sum(balance) > 0\n                          ^');
    expectError('SELECT sum(max(balance)) FROM bank', AnalysisError, 'line 1, column 12: aggregate functions cannot be nested: max(...) inside another aggregate\nSELECT sum(max(balance)) FROM bank\n           ^');
    expectError('SELECT id FROM bank GROUP BY 2', AnalysisError, 'line 1, column 30: GROUP BY position 2 is not in the select list (valid range is [1, 1])\nSELECT id FROM bank GROUP BY 2\n                             ^');
  });

  it('ORDER BY, LIMIT and DISTINCT mistakes', () => {
    expectError('SELECT id FROM bank ORDER BY 3', AnalysisError, 'line 1, column 30: ORDER BY position 3 is not in the select list (valid range is [1, 1])\nSELECT id FROM bank ORDER BY 3\n                             ^');
    expectError('SELECT DISTINCT id FROM bank ORDER BY balance', AnalysisError, 'line 1, column 39: ORDER BY expression balance must appear in the SELECT DISTINCT list\nSELECT DISTINCT id FROM bank ORDER BY balance\n                                      ^');
    expectError('SELECT id FROM bank LIMIT -1', AnalysisError, 'line 1, column 27: LIMIT must be a non-negative integer, got -1\nSELECT id FROM bank LIMIT -1\n                          ^');
    expectError('SELECT id FROM bank LIMIT id', AnalysisError, 'line 1, column 27: LIMIT must be a constant integer\nSELECT id FROM bank LIMIT id\n                          ^');
  });

  it('window mistakes', () => {
    expectError('SELECT row_number() FROM bank', AnalysisError, 'line 1, column 8: window function row_number() needs an OVER clause, e.g. row_number() OVER (PARTITION BY ... ORDER BY ...)\nSELECT row_number() FROM bank\n       ^');
    expectError('SELECT upper(job) OVER (ORDER BY id) FROM bank', AnalysisError, 'line 1, column 8: upper(...) is not an aggregate or window function, so it cannot be used with OVER\nSELECT upper(job) OVER (ORDER BY id) FROM bank\n       ^');
    expectError('SELECT rank() OVER w FROM bank', AnalysisError, "line 1, column 20: window 'w' is not defined; define it with WINDOW w AS (...)\nSELECT rank() OVER w FROM bank\n                   ^");
    expectError('SELECT id FROM bank WHERE rank() OVER (ORDER BY id) = 1', AnalysisError, 'line 1, column 27: window functions are not allowed in WHERE\nSELECT id FROM bank WHERE rank() OVER (ORDER BY id) = 1\n                          ^');
  });

  it('set operations and subqueries', () => {
    expectError('SELECT id FROM bank UNION SELECT id, job FROM bank', AnalysisError, 'line 1, column 21: UNION needs the same number of columns on both sides: the left has 1 [id], the right 2 [id, job]\nSELECT id FROM bank UNION SELECT id, job FROM bank\n                    ^');
    expectError('SELECT id FROM bank WHERE balance > (SELECT id, name FROM people)', AnalysisError, 'line 1, column 37: the scalar subquery must return one column, but returns 2 [id, name]\nSELECT id FROM bank WHERE balance > (SELECT id, name FROM people)\n                                    ^');
    expectError('SELECT id FROM bank b WHERE balance > (SELECT name FROM people p WHERE p.id = b.id)', AnalysisError, 'line 1, column 47: a correlated scalar subquery must be aggregated (e.g. SELECT max(x) ...) so it returns at most one row per outer row\nSELECT id FROM bank b WHERE balance > (SELECT name FROM people p WHERE p.id = b.id)\n                                              ^');
    expectError('SELECT (SELECT b.job FROM people p) FROM bank b', AnalysisError, "line 1, column 16: correlated reference to outer column 'b.job' is only supported in the WHERE clause of a subquery (not in SELECT)\nSELECT (SELECT b.job FROM people p) FROM bank b\n               ^");
    expectError('SELECT * FROM bank JOIN people USING (nme)', AnalysisError, "line 1, column 39: USING column 'nme' cannot be resolved on the left side of the join (did you mean 'age'?); columns: [id, balance, job, age]\nSELECT * FROM bank JOIN people USING (nme)\n                                      ^");
  });

  it('CREATE VIEW over an existing name', () => {
    expectError('CREATE TEMP VIEW bank AS SELECT 1', AnalysisError, "line 1, column 1: temporary view 'bank' already exists; use CREATE OR REPLACE TEMP VIEW\nCREATE TEMP VIEW bank AS SELECT 1\n^");
  });
});

describe('SQL strings in the DataFrame API', () => {
  it('filter / selectExpr / F.expr report positions in their own text', () => {
    const bank = spark.table('bank');
    expect(failure(() => bank.filter('balnce > 0')).message).toBe("line 1, column 1: unknown column 'balnce' in table 'bank' (did you mean 'balance'?)\nbalnce > 0\n^");
    expect(failure(() => bank.selectExpr('id', 'sqrtt(age)')).message).toBe("line 1, column 1: undefined function 'sqrtt' (did you mean 'sqrt'?)\nsqrtt(age)\n^");
    const e = failure(() => F.expr('a +'));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe('line 1, column 4: expected an expression but found end of input\na +\n   ^');
  });
});

describe('grouping() outside grouping sets', () => {
  it('in HAVING and ORDER BY without ROLLUP / CUBE / GROUPING SETS, at the clause', () => {
    expectError('SELECT job FROM bank GROUP BY job HAVING grouping(job) = 0', AnalysisError, [
      'line 1, column 42: grouping() can only be used with GROUP BY ROLLUP / CUBE / GROUPING SETS',
      'SELECT job FROM bank GROUP BY job HAVING grouping(job) = 0',
      '                                         ^',
    ].join('\n'));
    expectError('SELECT job FROM bank GROUP BY ROLLUP(job) ORDER BY grouping(age)', AnalysisError, [
      "line 1, column 61: column 'age' must appear in the GROUP BY clause or be used in an aggregate function",
      'SELECT job FROM bank GROUP BY ROLLUP(job) ORDER BY grouping(age)',
      '                                                            ^',
    ].join('\n'));
  });
});
