SELECT c.oid::int8 AS oid, ns.nspname AS schema, c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value,
       s.seqmax AS max_value, s.seqcache AS cache, s.seqcycle AS cycle,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       o.owner_schema, o.owner_table, o.owner_column, o.deptype
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (
    SELECT tn.nspname AS owner_schema, tc.relname AS owner_table, a.attname AS owner_column,
           d.deptype::text AS deptype
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
    LIMIT 1) o ON true
WHERE c.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
