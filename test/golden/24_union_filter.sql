-- push_down_filter: into every input of a union
SELECT * FROM (SELECT id, name FROM emp UNION ALL SELECT id, dname FROM dept) u WHERE id > 1
