-- eliminate_limit: LIMIT 0 is an empty relation
SELECT name FROM emp WHERE salary > 100 LIMIT 0
