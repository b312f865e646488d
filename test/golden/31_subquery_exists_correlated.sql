-- rewrite_subqueries: correlated EXISTS as a left semi join on the correlation
SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept AND s.year = 2024)
