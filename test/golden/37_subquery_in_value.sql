-- rewrite_subqueries: IN and NOT IN as values in SELECT (SQL's null rules from the subquery's counts)
SELECT name, mgr IN (SELECT id FROM emp WHERE salary > 2000) AS a, dept NOT IN (SELECT id FROM dept) AS b FROM emp
