-- constant_folding + eliminate_filter: a condition that folds to FALSE leaves an empty relation
SELECT name FROM emp WHERE 1 = 0 OR 2 < 1
