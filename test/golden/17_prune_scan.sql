-- prune_columns: the scan reads only the selected column
SELECT name FROM emp
