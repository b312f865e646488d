-- infer_window_group_limit: rank() <= 2 per dept keeps each dept's top rows (ties included) before the Window
SELECT * FROM (SELECT dept, name, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp) t WHERE r <= 2
