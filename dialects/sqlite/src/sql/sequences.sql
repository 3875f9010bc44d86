-- AUTOINCREMENT counters.
SELECT name, seq FROM main.sqlite_sequence
