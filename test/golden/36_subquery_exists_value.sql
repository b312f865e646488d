-- rewrite_subqueries: EXISTS under OR, correlated and not (match flags from left / cross joins)
SELECT name FROM emp e WHERE salary > 3000 OR EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept) OR EXISTS (SELECT 1 FROM dept WHERE region = 'US')
