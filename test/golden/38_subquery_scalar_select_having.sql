-- rewrite_subqueries: uncorrelated scalar subqueries in SELECT and HAVING (one row, or first() of many, failing the job when there are several)
SELECT dept, sum(salary) AS total, (SELECT max(amount) FROM sales) AS top FROM emp GROUP BY dept HAVING sum(salary) > (SELECT amount FROM sales WHERE id = 1)
