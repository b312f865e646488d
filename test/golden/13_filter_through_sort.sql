-- push_down_filter: through a sort
SELECT * FROM (SELECT id, name FROM emp ORDER BY name) t WHERE id > 2
