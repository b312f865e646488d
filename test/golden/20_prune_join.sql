-- prune_columns: each join side reads only the keys and the columns used
SELECT e.name FROM emp e JOIN dept d ON e.dept = d.id
