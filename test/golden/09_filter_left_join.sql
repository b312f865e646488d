-- push_down_filter: a left join's right-only ON condition filters the right side; a WHERE on the right side stays above
SELECT e.name, d.dname FROM emp e LEFT JOIN dept d ON e.dept = d.id AND d.region = 'EU' WHERE e.salary > 1500 AND d.dname IS NULL
