SELECT c.oid::int8 AS oid, ns.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       ds.description AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       c.relispartition AS is_partition,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound,
       ARRAY(
           SELECT json_build_object('schema', pn.nspname, 'name', pc.relname)
           FROM pg_catalog.pg_inherits i
           JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
           JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
           WHERE i.inhrelid = c.oid
           ORDER BY i.inhseqno) AS parents,
       c.reloptions AS parameters
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description ds
       ON ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objoid = c.oid AND ds.objsubid = 0
WHERE c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
