SELECT i.indrelid::int8 AS rel, ic.relname AS name, i.indisunique AS "unique",
       i.indisvalid AS valid,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
           || pg_catalog.quote_ident(ic.relname) || ' ON '
           || CASE WHEN c.relkind = 'p' THEN 'ONLY ' ELSE '' END
           || pg_catalog.quote_ident(ns.nspname) || '.' || pg_catalog.quote_ident(c.relname)
           || ' ' AS prefix,
       (i.indkey::int2[])[0:i.indnkeyatts - 1] AS keys,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN ARRAY(
           SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k.i::int, true)
           FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, i)
           WHERE k.num = 0 AND k.i <= i.indnkeyatts
           ORDER BY k.i) END AS expressions,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS predicate,
       CASE WHEN ic.relkind = 'I' THEN ARRAY(
           WITH RECURSIVE part(oid) AS (
               SELECT h.inhrelid FROM pg_catalog.pg_inherits h WHERE h.inhparent = i.indexrelid
               UNION ALL
               SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN part ON h.inhparent = part.oid)
           SELECT json_build_object('schema', tn.nspname, 'table', tc.relname,
                                    'name', xc.relname)
           FROM part
           JOIN pg_catalog.pg_index x ON x.indexrelid = part.oid
           JOIN pg_catalog.pg_class xc ON xc.oid = part.oid
           JOIN pg_catalog.pg_class tc ON tc.oid = x.indrelid
           JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
           ORDER BY tn.nspname, tc.relname) END AS partitions,
       ds.description AS comment
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN ns ON ns.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description ds
       ON ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objoid = i.indexrelid
      AND ds.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co
                  WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid
                    AND co.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
