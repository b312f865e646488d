-- prune_columns: aggregates not used above are dropped
SELECT dept FROM (SELECT dept, sum(salary) AS s, max(id) AS m FROM emp GROUP BY dept) t
