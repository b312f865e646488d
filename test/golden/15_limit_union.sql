-- push_down_limit: into each input of a union
SELECT id FROM emp UNION ALL SELECT id FROM dept LIMIT 2
