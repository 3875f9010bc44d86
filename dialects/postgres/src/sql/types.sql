SELECT t.oid::int8 AS oid, ns.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       pg_catalog.obj_description(t.oid, 'pg_type') AS comment,
       CASE WHEN t.typtype = 'e' THEN ARRAY(
           SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
           WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base,
       t.typnotnull AS not_null,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS "default",
       CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN (
           SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
           FROM pg_catalog.pg_collation co
           JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
           WHERE co.oid = t.typcollation) END AS collation,
       CASE WHEN t.typtype = 'd' THEN ARRAY(
           SELECT json_build_object(
               'name', co.conname,
               'definition', pg_catalog.pg_get_constraintdef(co.oid),
               'expr', pg_catalog.pg_get_expr(co.conbin, 0),
               'comment', pg_catalog.obj_description(co.oid, 'pg_constraint'),
               'routines', ARRAY(
                   SELECT d.refobjid::int8 FROM pg_catalog.pg_depend d
                   WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid = co.oid
                     AND d.refclassid = 'pg_catalog.pg_proc'::regclass))
           FROM pg_catalog.pg_constraint co
           WHERE co.contypid = t.oid AND co.contype = 'c'
           ORDER BY co.conname) END AS checks,
       CASE WHEN t.typtype = 'c' THEN ARRAY(
           SELECT json_build_object(
               'name', a.attname,
               'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
               'collation', CASE WHEN a.attcollation <> at.typcollation THEN (
                   SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                   FROM pg_catalog.pg_collation co
                   JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = a.attcollation) END)
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum) END AS attributes,
       ARRAY(
           SELECT DISTINCT u.oid::int8
           FROM (SELECT t.typbasetype AS oid
                 UNION ALL SELECT bt.typelem
                 UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = t.typrelid AND t.typrelid <> 0 AND a.attnum > 0
                 UNION ALL SELECT at.typelem FROM pg_catalog.pg_attribute a
                           JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                           WHERE a.attrelid = t.typrelid AND t.typrelid <> 0 AND a.attnum > 0) u
           WHERE u.oid IS NOT NULL AND u.oid <> 0) AS uses,
       ARRAY(
           SELECT DISTINCT d.refobjid::int8 FROM pg_catalog.pg_depend d
           WHERE (d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid
                  OR d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid IN (
                      SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid))
             AND d.refclassid IN ('pg_catalog.pg_proc'::regclass,
                                  'pg_catalog.pg_collation'::regclass)) AS objects,
       ARRAY(
           SELECT DISTINCT d.refobjid::int8 FROM pg_catalog.pg_depend d
           WHERE (d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid
                  OR d.classid = 'pg_catalog.pg_constraint'::regclass AND d.objid IN (
                      SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid))
             AND d.refclassid = 'pg_catalog.pg_class'::regclass) AS relations
FROM pg_catalog.pg_type t
JOIN ns ON ns.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND tc.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
