-- count_cross_join: count(*) of a cross join is the product of the sides' counts (no pairs are made)
SELECT count(*) AS n FROM emp CROSS JOIN dept
