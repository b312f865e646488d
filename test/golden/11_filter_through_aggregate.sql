-- push_down_filter: HAVING on a grouping key goes below the aggregate, on an aggregate stays above
SELECT dept, sum(salary) AS total FROM emp GROUP BY dept HAVING dept > 1 AND sum(salary) > 2000
