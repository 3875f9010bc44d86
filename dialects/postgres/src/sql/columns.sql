SELECT a.attrelid::int8 AS rel, a.attnum AS num, a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS "default",
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN a.attcollation <> t.typcollation THEN (
           SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
           FROM pg_catalog.pg_collation co
           JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = a.attcollation) END AS collation,
       ds.description AS comment,
       a.attislocal AS local
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description ds
       ON ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objoid = a.attrelid
      AND ds.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
