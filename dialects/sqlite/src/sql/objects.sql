-- Every schema object of the main database, in creation order.
SELECT type AS object_type, name, tbl_name AS table_name, sql
FROM main.sqlite_schema
ORDER BY rowid
