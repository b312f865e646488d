-- prune_columns: a window whose functions are not used goes away
SELECT name FROM (SELECT name, rank() OVER (ORDER BY salary) AS r FROM emp) t
