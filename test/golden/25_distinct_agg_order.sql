-- aggregates, distinct and order: the filter goes into the scan, pruning keeps the keys
SELECT DISTINCT dept, year FROM sales WHERE amount > 50 ORDER BY dept
