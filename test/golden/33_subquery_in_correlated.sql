-- rewrite_subqueries: correlated IN and NOT IN as semi / anti joins with the correlation and the match
SELECT name FROM emp e WHERE dept IN (SELECT s.dept FROM sales s WHERE s.id = e.id) AND id NOT IN (SELECT s.id FROM sales s WHERE s.dept = e.dept AND s.year = 2023)
