-- constant_folding: CASE branches with literal conditions are dropped or chosen
SELECT id, CASE WHEN 1 > 2 THEN 'never' WHEN 2 > 1 THEN name ELSE 'other' END AS c FROM emp
