-- rewrite_subqueries: correlated scalar subquery with count (left join to the grouped subquery, 0 when no match)
SELECT name, (SELECT count(*) FROM sales s WHERE s.dept = e.dept) AS n FROM emp e
