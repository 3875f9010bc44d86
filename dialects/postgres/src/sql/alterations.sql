-- What pg_dump writes as ALTER statements after a table or an index is created, one
-- row each: `index` names the index a statement needs (NULL: only the table).
SELECT a.attrelid::int8 AS rel, NULL::text AS "index",
       'ALTER COLUMN ' || pg_catalog.quote_ident(a.attname) || ' ' || s.clause AS clause,
       false AS on_index, NULL::text AS tablespace
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
CROSS JOIN LATERAL (VALUES
    (1, CASE WHEN a.attstattarget >= 0 THEN 'SET STATISTICS ' || a.attstattarget END),
    (2, CASE WHEN a.attstorage <> t.typstorage THEN 'SET STORAGE ' || CASE a.attstorage
            WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN'
            ELSE 'EXTENDED' END END),
    (3, CASE WHEN a.attcompression <> '' THEN 'SET COMPRESSION ' || CASE a.attcompression
            WHEN 'p' THEN 'pglz' ELSE 'lz4' END END),
    -- The options a user sets (n_distinct, n_distinct_inherited); a server may keep
    -- others of its own there.
    (4, (SELECT 'SET (' || pg_catalog.string_agg(o, ', ' ORDER BY o) || ')'
         FROM pg_catalog.unnest(a.attoptions) o WHERE o LIKE 'n\_distinct%'))
) s(n, clause)
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND a.attislocal
  AND s.clause IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT c.oid::int8, NULL, 'REPLICA IDENTITY ' || CASE c.relreplident
           WHEN 'f' THEN 'FULL' ELSE 'NOTHING' END, false, NULL
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relreplident IN ('f', 'n')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT i.indrelid::int8, ic.relname, s.clause, false, NULL
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN ns ON ns.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES
    (CASE WHEN i.indisclustered THEN 'CLUSTER ON ' || pg_catalog.quote_ident(ic.relname) END),
    (CASE WHEN i.indisreplident
          THEN 'REPLICA IDENTITY USING INDEX ' || pg_catalog.quote_ident(ic.relname) END)
) s(clause)
WHERE c.relkind IN ('r', 'p') AND s.clause IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT i.indrelid::int8, ic.relname,
       'ALTER COLUMN ' || a.attnum || ' SET STATISTICS ' || a.attstattarget, true, NULL
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indexrelid
WHERE c.relkind IN ('r', 'p') AND a.attstattarget >= 0
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
-- Tablespaces other than the database's default: of tables and partitions, and of the
-- indexes of tables that are not partitions (a partition's come from its parent's).
SELECT c.oid::int8, NULL, '', false, ts.spcname::text
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('r', 'p')
UNION ALL
SELECT i.indrelid::int8, ic.relname::text, '', true, ts.spcname::text
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN ns ON ns.oid = tc.relnamespace
JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
WHERE tc.relkind IN ('r', 'p') AND NOT tc.relispartition
