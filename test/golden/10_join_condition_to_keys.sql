-- push_down_filter: a non-equi join's side-only conjuncts go down and the equality becomes a key
SELECT e.name, s.amount FROM emp e JOIN sales s ON e.dept = s.dept AND s.year = 2024 AND e.salary < s.amount
