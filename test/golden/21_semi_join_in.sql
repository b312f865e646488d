-- IN subquery as a left semi join; its WHERE is pushed into the subquery's scan
SELECT name FROM emp WHERE dept IN (SELECT id FROM dept WHERE region = 'EU')
