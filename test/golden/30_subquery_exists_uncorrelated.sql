-- rewrite_subqueries: uncorrelated EXISTS as a left semi join to the subquery's first row
SELECT name FROM emp WHERE EXISTS (SELECT 1 FROM sales WHERE amount > 1000)
