-- rewrite_subqueries: correlated scalar subquery on a non-equality (the outer values' domain joined to the subquery)
SELECT name FROM emp e WHERE salary > (SELECT max(amount) FROM sales s WHERE s.amount < e.salary)
