-- push_down_filter: through a projection, the projected expression substituted
SELECT * FROM (SELECT id, salary * 2 AS double_pay FROM emp) t WHERE double_pay > 3000
