-- combine_filters: the outer WHERE and the subquery's WHERE become one filter (here pushed into the scan)
SELECT * FROM (SELECT * FROM emp WHERE salary > 1000) WHERE dept = 10
