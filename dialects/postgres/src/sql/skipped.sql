-- Objects of kinds this dialect does not replicate, each with the reason. What an
-- extension created is its own (CREATE EXTENSION makes it again), so it is left out.
SELECT 'table' AS kind, ns.nspname || '.' || c.relname AS name,
       'its tablespace ' || pg_catalog.quote_ident(ts.spcname) || ' is not replicated' AS reason
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('r', 'p', 'm', 'i')
UNION ALL
SELECT 'security label', l.objtype || ' ' || l.objname || ' (' || l.provider || ')',
       'security labels are not replicated'
FROM pg_catalog.pg_seclabels l
WHERE l.objnamespace IS NULL OR l.objnamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT 'conversion', ns.nspname || '.' || c.conname, 'conversions are not replicated'
FROM pg_catalog.pg_conversion c JOIN ns ON ns.oid = c.connamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_conversion'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'procedural language', l.lanname, 'procedural languages outside extensions are not replicated'
FROM pg_catalog.pg_language l
WHERE l.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_language'::regclass AND m.objid = l.oid)
UNION ALL
SELECT 'access method', a.amname, 'access methods outside extensions are not replicated'
FROM pg_catalog.pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_am'::regclass AND m.objid = a.oid)
UNION ALL
SELECT 'transform', pg_catalog.format_type(t.trftype, NULL) || ' for language ' || l.lanname,
       'transforms are not replicated'
FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_transform'::regclass AND m.objid = t.oid)
UNION ALL
-- The names are the database's to read; the connection strings the superuser's.
SELECT 'subscription', s.subname,
       'subscriptions are not replicated (a copy must not subscribe to the source''s '
           || 'publisher, and their connection strings are readable by superusers only)'
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
UNION ALL
SELECT 'foreign table', ns.nspname || '.' || c.relname,
       'foreign tables that are partitions are not replicated'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'f' AND c.relispartition
