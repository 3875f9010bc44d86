SELECT c.oid::int8 AS oid, ns.nspname AS schema, c.relname AS name,
       c.relkind = 'm' AS materialized,
       pg_catalog.pg_get_viewdef(c.oid) AS query,
       c.reloptions AS options,
       ARRAY(SELECT pg_catalog.json_build_object('index', NULL, 'tablespace', ts.spcname)
             FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace
             UNION ALL
             SELECT pg_catalog.json_build_object('index', ic.relname, 'tablespace', ts.spcname)
             FROM pg_catalog.pg_index i
             JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
             WHERE i.indrelid = c.oid) AS tablespaces,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       ARRAY(SELECT DISTINCT d.refobjid::int8
             FROM pg_catalog.pg_rewrite r
             JOIN pg_catalog.pg_depend d
               ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
             WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
               AND d.refobjid <> c.oid) AS uses
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
