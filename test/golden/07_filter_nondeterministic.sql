-- push_down_filter: a non-deterministic predicate stays above the scan, the deterministic one goes in
SELECT id FROM emp WHERE rand(42) < 0.5 AND id > 1
