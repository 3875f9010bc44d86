-- Objects of kinds this dialect does not replicate, each with the reason. What an
-- extension created is its own (CREATE EXTENSION makes it again), so it is left out.
SELECT 'table' AS kind, ns.nspname || '.' || c.relname AS name,
       'its tablespace ' || pg_catalog.quote_ident(ts.spcname) || ' is not replicated' AS reason
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('r', 'p', 'm', 'i')
UNION ALL
SELECT 'foreign table', ns.nspname || '.' || c.relname,
       'foreign tables, servers and user mappings are not replicated'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'f'
UNION ALL
SELECT 'type', ns.nspname || '.' || t.typname,
       CASE t.typtype WHEN 'r' THEN 'range types' WHEN 'm' THEN 'multirange types'
                      ELSE 'base types' END || ' are not replicated'
FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('b', 'r')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
UNION ALL
SELECT 'operator', ns.nspname || '.' || o.oprname, 'user-defined operators are not replicated'
FROM pg_catalog.pg_operator o JOIN ns ON ns.oid = o.oprnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid)
UNION ALL
SELECT 'text search configuration', ns.nspname || '.' || c.cfgname,
       'text search configurations are not replicated'
FROM pg_catalog.pg_ts_config c JOIN ns ON ns.oid = c.cfgnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'publication', p.pubname, 'publications are not replicated'
FROM pg_catalog.pg_publication p
UNION ALL
SELECT 'security label', l.objtype || ' ' || l.objname || ' (' || l.provider || ')',
       'security labels are not replicated'
FROM pg_catalog.pg_seclabels l
WHERE l.objnamespace IS NULL OR l.objnamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT 'event trigger', e.evtname, 'event triggers are not replicated'
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = e.oid)
UNION ALL
SELECT 'cast', pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL),
       'user-defined casts are not replicated'
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = c.oid)
  -- A cast its type made by itself (a range type's cast to its multirange: pg_depend
  -- deptype 'i'), which pg_dump does not dump either.
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid
                    AND d.deptype = 'i')
