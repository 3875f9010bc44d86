SELECT co.conrelid::int8 AS rel, co.conname AS name, co.contype::text AS kind,
       pg_catalog.pg_get_constraintdef(co.oid) AS definition,
       co.conkey AS keys,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       co.confrelid::int8 AS ref_rel, co.confkey AS ref_keys,
       -- Names of referenced columns outside the reflected schemas (the others are
       -- known from the columns query).
       CASE WHEN co.contype = 'f' AND NOT EXISTS (SELECT 1 FROM ns WHERE ns.oid = rc.relnamespace)
            THEN ARRAY(SELECT a.attname::text
                       FROM unnest(co.confkey) WITH ORDINALITY k(num, i)
                       JOIN pg_catalog.pg_attribute a
                         ON a.attrelid = co.confrelid AND a.attnum = k.num
                       ORDER BY k.i) END AS foreign_ref_columns,
       co.confupdtype::text AS on_update, co.confdeltype::text AS on_delete,
       co.confmatchtype::text AS match_type,
       co.condeferrable AS deferrable, co.condeferred AS deferred,
       pg_catalog.pg_get_expr(co.conbin, co.conrelid) AS expr,
       CASE WHEN co.contype IN ('p', 'u') AND co.conindid <> 0
            THEN pg_catalog.pg_get_indexdef(co.conindid) END AS index_definition,
       ds.description AS comment
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = co.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_description ds
       ON ds.classoid = 'pg_catalog.pg_constraint'::regclass AND ds.objoid = co.oid
      AND ds.objsubid = 0
WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conislocal AND co.conparentid = 0
  AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
