SELECT ns.nspname AS name,
       pg_catalog.obj_description(ns.oid, 'pg_namespace') AS comment
FROM ns
