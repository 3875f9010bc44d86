SELECT ns.nspname AS schema, c.relname AS "table", t.tgname AS name,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment,
       t.tgenabled::text AS enabled
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN ns ON ns.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
