-- Columns of every ordinary table, including hidden and generated ones.
SELECT m.name AS table_name, c.cid, c.name, c.type AS declared_type,
       c."notnull" AS not_null, c.pk, c.hidden
FROM main.sqlite_schema AS m, pragma_table_xinfo(m.name, 'main') AS c
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.sql NOT LIKE 'CREATE VIRTUAL %'
ORDER BY m.rowid, c.cid
