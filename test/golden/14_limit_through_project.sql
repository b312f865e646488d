-- push_down_limit: below the projection and into the scan (which stops reading early)
SELECT name, salary * 2 AS s FROM emp LIMIT 3
