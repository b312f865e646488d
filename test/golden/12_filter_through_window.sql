-- push_down_filter: a predicate on the window's partition key goes below it, one on the window function stays
SELECT * FROM (SELECT dept, name, row_number() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM emp) t WHERE dept = 1 AND rn = 1
