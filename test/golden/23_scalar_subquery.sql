-- an uncorrelated scalar subquery in WHERE
SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp)
