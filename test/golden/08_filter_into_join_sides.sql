-- push_down_filter: side-only predicates go into each side of an inner join
SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id WHERE d.region = 'EU' AND e.salary > 1500
