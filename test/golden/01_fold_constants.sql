-- constant_folding: arithmetic, string functions and AND with TRUE fold to literals
SELECT id, 1 + 2 * 3 AS k, upper('abc') AS u FROM emp WHERE 1 = 1 AND salary > 10 * 100
