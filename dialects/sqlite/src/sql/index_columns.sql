-- Key columns of every index created with CREATE INDEX (cid -2 marks an expression).
SELECT m.name AS index_name, x.seqno, x.cid, x.name
FROM main.sqlite_schema AS m, pragma_index_xinfo(m.name, 'main') AS x
WHERE m.type = 'index' AND m.sql IS NOT NULL AND x."key" = 1
ORDER BY m.rowid, x.seqno
