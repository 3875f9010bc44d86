-- Objects kept as the statement that creates them: rules (with their state),
-- row-level security policies, a table's ENABLE / FORCE ROW LEVEL SECURITY, extended
-- statistics (with their statistics target) and collations. What an extension made is
-- its own. `requires` lists the object ids the statement names (resolved by the
-- reflection against the schema's types, sequences and routines).
SELECT r.oid::int8 AS oid, 'rule' AS kind, ns.nspname AS schema, r.rulename AS name,
       ns.nspname AS table_schema, c.relname AS table_name, 'seal' AS phase,
       pg_catalog.rtrim(pg_catalog.pg_get_ruledef(r.oid), ';')
           || CASE r.ev_enabled
                  WHEN 'D' THEN pg_catalog.format(E';\nALTER TABLE %I.%I DISABLE RULE %I',
                                                  ns.nspname, c.relname, r.rulename)
                  WHEN 'R' THEN pg_catalog.format(E';\nALTER TABLE %I.%I ENABLE REPLICA RULE %I',
                                                  ns.nspname, c.relname, r.rulename)
                  WHEN 'A' THEN pg_catalog.format(E';\nALTER TABLE %I.%I ENABLE ALWAYS RULE %I',
                                                  ns.nspname, c.relname, r.rulename)
                  ELSE '' END AS definition,
       pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment,
       ARRAY[]::text[] AS roles,
       ARRAY[]::int8[] AS requires
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN ns ON ns.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT p.oid::int8, 'policy', ns.nspname, p.polname, ns.nspname, c.relname, 'seal',
       pg_catalog.format('CREATE POLICY %I ON %I.%I', p.polname, ns.nspname, c.relname)
           || CASE WHEN p.polpermissive THEN '' ELSE ' AS RESTRICTIVE' END
           || CASE p.polcmd WHEN 'r' THEN ' FOR SELECT' WHEN 'a' THEN ' FOR INSERT'
                            WHEN 'w' THEN ' FOR UPDATE' WHEN 'd' THEN ' FOR DELETE'
                            ELSE '' END
           || ' TO ' || CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE (
                  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.rolname), ', '
                                               ORDER BY a.rolname)
                  FROM pg_catalog.pg_roles a WHERE a.oid = ANY (p.polroles)) END
           || COALESCE(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '')
           || COALESCE(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),
       pg_catalog.obj_description(p.oid, 'pg_policy'),
       ARRAY(SELECT a.rolname::text FROM pg_catalog.pg_roles a
             WHERE a.oid = ANY (p.polroles) ORDER BY a.rolname),
       ARRAY[]::int8[]
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN ns ON ns.oid = c.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT c.oid::int8, 'row_security', ns.nspname, c.relname, ns.nspname, c.relname, 'seal',
       pg_catalog.concat_ws(E';\n',
           CASE WHEN c.relrowsecurity
                THEN pg_catalog.format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY',
                                       ns.nspname, c.relname) END,
           CASE WHEN c.relforcerowsecurity
                THEN pg_catalog.format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY',
                                       ns.nspname, c.relname) END),
       NULL, ARRAY[]::text[], ARRAY[]::int8[]
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
WHERE (c.relrowsecurity OR c.relforcerowsecurity)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT s.oid::int8, 'statistics', ns.nspname, s.stxname, tn.nspname, c.relname, 'seal',
       pg_catalog.pg_get_statisticsobjdef(s.oid)
           || CASE WHEN COALESCE(s.stxstattarget::int, -1) >= 0
                   THEN pg_catalog.format(E';\nALTER STATISTICS %I.%I SET STATISTICS %s',
                                          ns.nspname, s.stxname, s.stxstattarget)
                   ELSE '' END,
       pg_catalog.obj_description(s.oid, 'pg_statistic_ext'),
       ARRAY[]::text[], ARRAY[]::int8[]
FROM pg_catalog.pg_statistic_ext s
JOIN ns ON ns.oid = s.stxnamespace
JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_statistic_ext'::regclass AND m.objid = s.oid)
UNION ALL
-- The ICU locale's column is `colliculocale` in PostgreSQL 15 and 16, `colllocale` from
-- 17 on; read through the row's JSON so one query serves every version.
SELECT co.oid::int8, 'collation', ns.nspname, co.collname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE COLLATION %I.%I (provider = %s', ns.nspname, co.collname,
                         CASE co.collprovider WHEN 'i' THEN 'icu' ELSE 'libc' END)
           || CASE WHEN co.collisdeterministic THEN '' ELSE ', deterministic = false' END
           || CASE WHEN co.collprovider = 'i'
                   THEN ', locale = ' || pg_catalog.quote_literal(COALESCE(
                            pg_catalog.to_jsonb(co) ->> 'colllocale',
                            pg_catalog.to_jsonb(co) ->> 'colliculocale', co.collcollate))
                   WHEN co.collcollate = co.collctype
                   THEN ', locale = ' || pg_catalog.quote_literal(co.collcollate)
                   ELSE ', lc_collate = ' || pg_catalog.quote_literal(co.collcollate)
                        || ', lc_ctype = ' || pg_catalog.quote_literal(co.collctype) END
           || COALESCE(', rules = ' || pg_catalog.quote_literal(
                  pg_catalog.to_jsonb(co) ->> 'collicurules'), '')
           || ')',
       pg_catalog.obj_description(co.oid, 'pg_collation'),
       ARRAY[]::text[], ARRAY[]::int8[]
FROM pg_catalog.pg_collation co
JOIN ns ON ns.oid = co.collnamespace
WHERE co.collprovider IN ('c', 'i')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_collation'::regclass AND m.objid = co.oid)
