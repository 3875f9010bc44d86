-- Foreign keys of every ordinary table; ids count down from the last declared one.
SELECT m.name AS table_name, f.id, f.seq, f."table" AS referenced_table,
       f."from" AS from_column, f.on_update, f.on_delete
FROM main.sqlite_schema AS m, pragma_foreign_key_list(m.name, 'main') AS f
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.sql NOT LIKE 'CREATE VIRTUAL %'
ORDER BY m.rowid, f.id, f.seq
