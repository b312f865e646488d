-- correlated NOT EXISTS as a left anti join; the subquery's own predicate goes into its scan
SELECT name FROM emp e WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept AND s.amount > 100)
