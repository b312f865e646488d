-- push_down_limit: a limit above a sort stays there (top-K)
SELECT dept, count(*) AS n FROM emp GROUP BY dept ORDER BY n DESC, dept LIMIT 2
