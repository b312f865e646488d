-- collapse_project: the outer projection reads the inner one's expressions directly (one Project)
SELECT s + 1 AS t, name FROM (SELECT salary * 2 AS s, name FROM emp)
