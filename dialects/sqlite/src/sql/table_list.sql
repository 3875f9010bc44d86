-- Table kinds and options (WITHOUT ROWID, STRICT) of the main database.
SELECT name, type AS table_type, wr AS without_rowid, strict
FROM pragma_table_list
WHERE schema = 'main'
