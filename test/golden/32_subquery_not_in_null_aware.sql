-- rewrite_subqueries: uncorrelated NOT IN as a null-aware anti join (counts of the subquery cross-joined)
SELECT name FROM emp WHERE mgr NOT IN (SELECT id FROM emp WHERE salary > 2000)
