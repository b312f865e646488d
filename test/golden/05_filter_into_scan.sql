-- push_down_filter: conjuncts become scan filters; prune_columns reads only the columns used
SELECT name FROM emp WHERE salary > 1000 AND dept = 2
