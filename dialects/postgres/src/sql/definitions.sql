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
       ARRAY[]::int8[] AS requires,
       ARRAY[]::int8[] AS aliases
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
       ARRAY[]::int8[], ARRAY[]::int8[]
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
       NULL, ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
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
       ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
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
       ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_collation co
JOIN ns ON ns.oid = co.collnamespace
WHERE co.collprovider IN ('c', 'i')
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_collation'::regclass AND m.objid = co.oid)
UNION ALL
-- Range types, with their multirange (PostgreSQL 14 on; read through the row's JSON).
SELECT t.oid::int8, 'range_type', ns.nspname, t.typname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TYPE %I.%I AS RANGE (subtype = %s', ns.nspname, t.typname,
                         pg_catalog.format_type(r.rngsubtype, NULL))
           || CASE WHEN opc.opcdefault THEN ''
                   ELSE pg_catalog.format(', subtype_opclass = %I.%I', opn.nspname, opc.opcname) END
           || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                   THEN (SELECT pg_catalog.format(', collation = %I.%I', cn.nspname, co.collname)
                         FROM pg_catalog.pg_collation co
                         JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                         WHERE co.oid = r.rngcollation)
                   ELSE '' END
           || CASE WHEN r.rngcanonical::oid <> 0 THEN ', canonical = ' || r.rngcanonical::text ELSE '' END
           || CASE WHEN r.rngsubdiff::oid <> 0 THEN ', subtype_diff = ' || r.rngsubdiff::text ELSE '' END
           || COALESCE((SELECT pg_catalog.format(', multirange_type_name = %I.%I', mn.nspname, mt.typname)
                        FROM pg_catalog.pg_type mt
                        JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
                        WHERE mt.oid = (pg_catalog.to_jsonb(r) ->> 'rngmultitypid')::oid), '')
           || ')',
       pg_catalog.obj_description(t.oid, 'pg_type'),
       ARRAY[]::text[],
       ARRAY[r.rngsubtype::int8, r.rngcanonical::oid::int8, r.rngsubdiff::oid::int8,
             r.rngcollation::int8],
       ARRAY(SELECT x::int8 FROM (VALUES ((pg_catalog.to_jsonb(r) ->> 'rngmultitypid')::oid)) v(x)
             WHERE x IS NOT NULL)
FROM pg_catalog.pg_range r
JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
JOIN ns ON ns.oid = t.typnamespace
JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
UNION ALL
-- Operators; a commutator or negator not created yet is made a shell by the server.
SELECT o.oid::int8, 'operator', ns.nspname,
       o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN 'NONE'
                                ELSE pg_catalog.format_type(o.oprleft, NULL) END
                 || ', ' || CASE WHEN o.oprright = 0 THEN 'NONE'
                                 ELSE pg_catalog.format_type(o.oprright, NULL) END || ')',
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE OPERATOR %I.%s (FUNCTION = %s', ns.nspname, o.oprname,
                         o.oprcode::text)
           || CASE WHEN o.oprleft <> 0 THEN ', LEFTARG = ' || pg_catalog.format_type(o.oprleft, NULL) ELSE '' END
           || CASE WHEN o.oprright <> 0 THEN ', RIGHTARG = ' || pg_catalog.format_type(o.oprright, NULL) ELSE '' END
           || COALESCE((SELECT pg_catalog.format(', COMMUTATOR = OPERATOR(%I.%s)', cn.nspname, c.oprname)
                        FROM pg_catalog.pg_operator c
                        JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
                        WHERE c.oid = o.oprcom), '')
           || COALESCE((SELECT pg_catalog.format(', NEGATOR = OPERATOR(%I.%s)', nn.nspname, n.oprname)
                        FROM pg_catalog.pg_operator n
                        JOIN pg_catalog.pg_namespace nn ON nn.oid = n.oprnamespace
                        WHERE n.oid = o.oprnegate), '')
           || CASE WHEN o.oprrest::oid <> 0 THEN ', RESTRICT = ' || o.oprrest::text ELSE '' END
           || CASE WHEN o.oprjoin::oid <> 0 THEN ', JOIN = ' || o.oprjoin::text ELSE '' END
           || CASE WHEN o.oprcanhash THEN ', HASHES' ELSE '' END
           || CASE WHEN o.oprcanmerge THEN ', MERGES' ELSE '' END
           || ')',
       pg_catalog.obj_description(o.oid, 'pg_operator'),
       ARRAY[]::text[],
       ARRAY[o.oprcode::oid::int8, o.oprrest::oid::int8, o.oprjoin::oid::int8,
             o.oprleft::int8, o.oprright::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_operator o
JOIN ns ON ns.oid = o.oprnamespace
WHERE o.oprcode::oid <> 0
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid)
UNION ALL
-- Casts the user made (not those a type made itself, pg_depend deptype 'i').
SELECT c.oid::int8, 'cast', NULL,
       '(' || pg_catalog.format_type(c.castsource, NULL) || ' AS '
           || pg_catalog.format_type(c.casttarget, NULL) || ')',
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE CAST (%s AS %s) ', pg_catalog.format_type(c.castsource, NULL),
                         pg_catalog.format_type(c.casttarget, NULL))
           || CASE c.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || c.castfunc::regprocedure::text
                                WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END
           || CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT'
                                 ELSE '' END,
       pg_catalog.obj_description(c.oid, 'pg_cast'),
       ARRAY[]::text[],
       ARRAY[c.castfunc::int8, c.castsource::int8, c.casttarget::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = c.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid
                    AND d.deptype = 'i')
UNION ALL
-- Text search dictionaries (over a template) and configurations (over a parser), with
-- each token type's dictionaries.
SELECT d.oid::int8, 'text_search_dictionary', ns.nspname, d.dictname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TEXT SEARCH DICTIONARY %I.%I (TEMPLATE = %I.%I', ns.nspname,
                         d.dictname, tn.nspname, t.tmplname)
           || COALESCE(', ' || d.dictinitoption, '') || ')',
       pg_catalog.obj_description(d.oid, 'pg_ts_dict'),
       ARRAY[]::text[], ARRAY[d.dicttemplate::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_ts_dict d
JOIN ns ON ns.oid = d.dictnamespace
JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_dict'::regclass AND m.objid = d.oid)
UNION ALL
SELECT c.oid::int8, 'text_search_configuration', ns.nspname, c.cfgname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TEXT SEARCH CONFIGURATION %I.%I (PARSER = %I.%I)', ns.nspname,
                         c.cfgname, pn.nspname, p.prsname)
           || COALESCE((
               SELECT pg_catalog.string_agg(
                          pg_catalog.format(E';\nALTER TEXT SEARCH CONFIGURATION %I.%I ADD MAPPING FOR %s WITH %s',
                                            ns.nspname, c.cfgname, m.alias, m.dicts),
                          '' ORDER BY m.tokid)
               FROM (SELECT tt.tokid, tt.alias,
                            pg_catalog.string_agg(pg_catalog.format('%I.%I', dn.nspname, dd.dictname),
                                                  ', ' ORDER BY cm.mapseqno) AS dicts
                     FROM pg_catalog.pg_ts_config_map cm
                     JOIN pg_catalog.ts_token_type(c.cfgparser) tt ON tt.tokid = cm.maptokentype
                     JOIN pg_catalog.pg_ts_dict dd ON dd.oid = cm.mapdict
                     JOIN pg_catalog.pg_namespace dn ON dn.oid = dd.dictnamespace
                     WHERE cm.mapcfg = c.oid
                     GROUP BY tt.tokid, tt.alias) m), ''),
       pg_catalog.obj_description(c.oid, 'pg_ts_config'),
       ARRAY[]::text[],
       ARRAY(SELECT DISTINCT cm.mapdict::int8 FROM pg_catalog.pg_ts_config_map cm
             WHERE cm.mapcfg = c.oid) || c.cfgparser::int8,
       ARRAY[]::int8[]
FROM pg_catalog.pg_ts_config c
JOIN ns ON ns.oid = c.cfgnamespace
JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid)
UNION ALL
-- Event triggers (the database's), last of the seal, with their state and owner.
SELECT e.oid::int8, 'event_trigger', NULL, e.evtname, NULL, NULL, 'seal',
       pg_catalog.format('CREATE EVENT TRIGGER %I ON %s', e.evtname, e.evtevent)
           || CASE WHEN e.evttags IS NOT NULL
                   THEN ' WHEN TAG IN (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(tag), ', ')
                                             FROM pg_catalog.unnest(e.evttags) tag) || ')'
                   ELSE '' END
           || ' EXECUTE FUNCTION ' || e.evtfoid::regproc::text || '()'
           || CASE e.evtenabled
                  WHEN 'D' THEN pg_catalog.format(E';\nALTER EVENT TRIGGER %I DISABLE', e.evtname)
                  WHEN 'R' THEN pg_catalog.format(E';\nALTER EVENT TRIGGER %I ENABLE REPLICA', e.evtname)
                  WHEN 'A' THEN pg_catalog.format(E';\nALTER EVENT TRIGGER %I ENABLE ALWAYS', e.evtname)
                  ELSE '' END
           || pg_catalog.format(E';\nALTER EVENT TRIGGER %I OWNER TO %I', e.evtname,
                                pg_catalog.pg_get_userbyid(e.evtowner)),
       pg_catalog.obj_description(e.oid, 'pg_event_trigger'),
       ARRAY[pg_catalog.pg_get_userbyid(e.evtowner)::text], ARRAY[e.evtfoid::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = e.oid)
UNION ALL
-- Publications (the database's) with their tables, row filters and column lists
-- (PostgreSQL 15 on, read through JSON) and schemas.
SELECT p.oid::int8, 'publication', NULL, p.pubname, NULL, NULL, 'seal',
       pg_catalog.format('CREATE PUBLICATION %I', p.pubname)
           || CASE WHEN p.puballtables THEN ' FOR ALL TABLES' ELSE '' END
           || pg_catalog.format(' WITH (publish = %L',
                  pg_catalog.concat_ws(', ',
                      CASE WHEN p.pubinsert THEN 'insert' END,
                      CASE WHEN p.pubupdate THEN 'update' END,
                      CASE WHEN p.pubdelete THEN 'delete' END,
                      CASE WHEN p.pubtruncate THEN 'truncate' END))
           || CASE WHEN p.pubviaroot THEN ', publish_via_partition_root = true' ELSE '' END
           || ')'
           || COALESCE((
               SELECT pg_catalog.string_agg(
                          pg_catalog.format(E';\nALTER PUBLICATION %I ADD TABLE ONLY %I.%I', p.pubname,
                                            rn.nspname, rc.relname)
                          || COALESCE(' (' || (
                                 SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', '
                                                              ORDER BY k.n)
                                 -- `1 3` or `[1, 3]`, whichever way JSON renders it.
                                 FROM pg_catalog.regexp_split_to_table(
                                          pg_catalog.btrim(pg_catalog.translate(
                                              pg_catalog.to_jsonb(pr) ->> 'prattrs', '[],', '   ')),
                                          '\s+') WITH ORDINALITY AS k(attnum, n)
                                 JOIN pg_catalog.pg_attribute a
                                   ON a.attrelid = rc.oid AND k.attnum <> ''
                                  AND a.attnum = k.attnum::int2) || ')', '')
                          || COALESCE(' WHERE ' || (
                                 SELECT pt.j ->> 'rowfilter'
                                 FROM (SELECT pg_catalog.to_jsonb(v) AS j
                                       FROM pg_catalog.pg_publication_tables v
                                       WHERE v.pubname = p.pubname AND v.schemaname = rn.nspname
                                         AND v.tablename = rc.relname) pt), ''),
                          '' ORDER BY rn.nspname, rc.relname)
               FROM pg_catalog.pg_publication_rel pr
               JOIN pg_catalog.pg_class rc ON rc.oid = pr.prrelid
               JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
               WHERE pr.prpubid = p.oid), '')
           || COALESCE((
               SELECT pg_catalog.string_agg(
                          pg_catalog.format(E';\nALTER PUBLICATION %I ADD TABLES IN SCHEMA %I',
                                            p.pubname, n.nspname), '' ORDER BY n.nspname)
               FROM pg_catalog.pg_namespace n
               -- pg_publication_namespace from PostgreSQL 15 on; nothing before.
               WHERE n.oid IN (/*publication schemas*/)), ''),
       pg_catalog.obj_description(p.oid, 'pg_publication'),
       ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_publication p
UNION ALL
-- Text search parsers and templates (over functions, usually the server's own).
SELECT p.oid::int8, 'text_search_parser', ns.nspname, p.prsname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TEXT SEARCH PARSER %I.%I (START = %s, GETTOKEN = %s, END = %s, LEXTYPES = %s',
                         ns.nspname, p.prsname, p.prsstart::text, p.prstoken::text,
                         p.prsend::text, p.prslextype::text)
           || CASE WHEN p.prsheadline::oid <> 0 THEN ', HEADLINE = ' || p.prsheadline::text ELSE '' END
           || ')',
       pg_catalog.obj_description(p.oid, 'pg_ts_parser'),
       ARRAY[]::text[],
       ARRAY[p.prsstart::oid::int8, p.prstoken::oid::int8, p.prsend::oid::int8,
             p.prslextype::oid::int8, p.prsheadline::oid::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_ts_parser p
JOIN ns ON ns.oid = p.prsnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_parser'::regclass AND m.objid = p.oid)
UNION ALL
SELECT t.oid::int8, 'text_search_template', ns.nspname, t.tmplname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TEXT SEARCH TEMPLATE %I.%I (', ns.nspname, t.tmplname)
           || CASE WHEN t.tmplinit::oid <> 0 THEN 'INIT = ' || t.tmplinit::text || ', ' ELSE '' END
           || 'LEXIZE = ' || t.tmpllexize::text || ')',
       pg_catalog.obj_description(t.oid, 'pg_ts_template'),
       ARRAY[]::text[], ARRAY[t.tmplinit::oid::int8, t.tmpllexize::oid::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_ts_template t
JOIN ns ON ns.oid = t.tmplnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_template'::regclass AND m.objid = t.oid)
UNION ALL
-- The public schema's comment, when it is not the one a new database has.
SELECT n.oid::int8, 'comment', 'public', 'schema "public"', NULL, NULL, 'pre',
       'COMMENT ON SCHEMA public IS '
           || COALESCE(pg_catalog.quote_literal(pg_catalog.obj_description(n.oid, 'pg_namespace')), 'NULL'),
       NULL, ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_namespace n
JOIN ns ON ns.oid = n.oid
WHERE n.nspname = 'public'
  AND pg_catalog.obj_description(n.oid, 'pg_namespace') IS DISTINCT FROM 'standard public schema'
UNION ALL
-- Foreign-data wrappers, servers and user mappings (pre), foreign tables (base). A
-- user mapping's options are those the reading role may see (pg_user_mappings).
SELECT w.oid::int8, 'foreign_data_wrapper', NULL, w.fdwname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE FOREIGN DATA WRAPPER %I', w.fdwname)
           || CASE WHEN w.fdwhandler <> 0 THEN ' HANDLER ' || w.fdwhandler::regproc::text ELSE '' END
           || CASE WHEN w.fdwvalidator <> 0 THEN ' VALIDATOR ' || w.fdwvalidator::regproc::text ELSE '' END
           || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(
                      pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1)) || ' '
                      || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)),
                      ', ' ORDER BY k) FROM pg_catalog.unnest(w.fdwoptions) WITH ORDINALITY AS x(o, k)) || ')', ''),
       pg_catalog.obj_description(w.oid, 'pg_foreign_data_wrapper'),
       ARRAY[]::text[], ARRAY[w.fdwhandler::int8, w.fdwvalidator::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_foreign_data_wrapper'::regclass AND m.objid = w.oid)
UNION ALL
SELECT s.oid::int8, 'foreign_server', NULL, s.srvname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE SERVER %I', s.srvname)
           || COALESCE(' TYPE ' || pg_catalog.quote_literal(s.srvtype), '')
           || COALESCE(' VERSION ' || pg_catalog.quote_literal(s.srvversion), '')
           || pg_catalog.format(' FOREIGN DATA WRAPPER %I', w.fdwname)
           || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(
                      pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1)) || ' '
                      || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)),
                      ', ' ORDER BY k) FROM pg_catalog.unnest(s.srvoptions) WITH ORDINALITY AS x(o, k)) || ')', ''),
       pg_catalog.obj_description(s.oid, 'pg_foreign_server'),
       ARRAY[]::text[], ARRAY[s.srvfdw::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_foreign_server'::regclass AND m.objid = s.oid)
UNION ALL
SELECT u.umid::int8, 'user_mapping', NULL,
       'for ' || CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(u.usename) END
           || ' server ' || pg_catalog.quote_ident(u.srvname),
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE USER MAPPING FOR %s SERVER %I',
                         CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(u.usename) END,
                         u.srvname)
           || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(
                      pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1)) || ' '
                      || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)),
                      ', ' ORDER BY k) FROM pg_catalog.unnest(u.umoptions) WITH ORDINALITY AS x(o, k)) || ')', ''),
       NULL,
       CASE WHEN u.umuser = 0 THEN ARRAY[]::text[] ELSE ARRAY[u.usename::text] END,
       ARRAY[u.srvid::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_user_mappings u
UNION ALL
SELECT c.oid::int8, 'foreign_table', ns.nspname, c.relname, NULL, NULL, 'base',
       pg_catalog.format(E'CREATE FOREIGN TABLE %I.%I (\n', ns.nspname, c.relname)
           || COALESCE((SELECT pg_catalog.string_agg(
                  '    ' || pg_catalog.quote_ident(a.attname) || ' '
                  || pg_catalog.format_type(a.atttypid, a.atttypmod)
                  || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(
                      pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1)) || ' '
                      || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)),
                      ', ' ORDER BY k) FROM pg_catalog.unnest(a.attfdwoptions) WITH ORDINALITY AS x(o, k)) || ')', '')
                  || CASE WHEN a.attcollation <> t.typcollation THEN (
                         SELECT pg_catalog.format(' COLLATE %I.%I', cn.nspname, co.collname)
                         FROM pg_catalog.pg_collation co
                         JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                         WHERE co.oid = a.attcollation) ELSE '' END
                  || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
                  || COALESCE(' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), ''),
                  E',\n' ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
               LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
           || COALESCE((SELECT pg_catalog.string_agg(
                  E',\n    CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' '
                  || pg_catalog.pg_get_constraintdef(k.oid), '' ORDER BY k.conname)
               FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c'), '')
           || pg_catalog.format(E'\n) SERVER %I', s.srvname)
           || COALESCE(' OPTIONS (' || (SELECT pg_catalog.string_agg(
                      pg_catalog.quote_ident(pg_catalog.split_part(o, '=', 1)) || ' '
                      || pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)),
                      ', ' ORDER BY k) FROM pg_catalog.unnest(f.ftoptions) WITH ORDINALITY AS x(o, k)) || ')', '')
           || COALESCE((SELECT pg_catalog.string_agg(
                  pg_catalog.format(E';\nCOMMENT ON COLUMN %I.%I.%I IS %L', ns.nspname, c.relname,
                                    a.attname, pg_catalog.col_description(c.oid, a.attnum)),
                  '' ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 AND pg_catalog.col_description(c.oid, a.attnum) IS NOT NULL), ''),
       pg_catalog.obj_description(c.oid, 'pg_class'),
       ARRAY[]::text[],
       ARRAY(SELECT DISTINCT a.atttypid::int8 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0) || f.ftserver::int8,
       ARRAY[]::int8[]
FROM pg_catalog.pg_class c
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_foreign_table f ON f.ftrelid = c.oid
JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
WHERE c.relkind = 'f' AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
-- Base types: a shell first (their functions name the type), then the type over its
-- functions, as pg_dump breaks the cycle.
SELECT t.oid::int8, 'shell_type', ns.nspname, t.typname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TYPE %I.%I', ns.nspname, t.typname),
       NULL, ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_type t
JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype = 'b'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
UNION ALL
SELECT t.oid::int8, 'base_type', ns.nspname, t.typname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE TYPE %I.%I (INPUT = %s, OUTPUT = %s', ns.nspname, t.typname,
                         t.typinput::text, t.typoutput::text)
           || CASE WHEN t.typreceive::oid <> 0 THEN ', RECEIVE = ' || t.typreceive::text ELSE '' END
           || CASE WHEN t.typsend::oid <> 0 THEN ', SEND = ' || t.typsend::text ELSE '' END
           || CASE WHEN t.typmodin::oid <> 0 THEN ', TYPMOD_IN = ' || t.typmodin::text ELSE '' END
           || CASE WHEN t.typmodout::oid <> 0 THEN ', TYPMOD_OUT = ' || t.typmodout::text ELSE '' END
           || CASE WHEN t.typanalyze::oid <> 0 THEN ', ANALYZE = ' || t.typanalyze::text ELSE '' END
           || COALESCE(', SUBSCRIPT = ' || NULLIF(pg_catalog.to_jsonb(t) ->> 'typsubscript', '-'), '')
           || ', INTERNALLENGTH = ' || CASE WHEN t.typlen = -1 THEN 'VARIABLE' ELSE t.typlen::text END
           || CASE WHEN t.typbyval THEN ', PASSEDBYVALUE' ELSE '' END
           || ', ALIGNMENT = ' || CASE t.typalign WHEN 'c' THEN 'char' WHEN 's' THEN 'int2'
                                                  WHEN 'i' THEN 'int4' ELSE 'double' END
           || ', STORAGE = ' || CASE t.typstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external'
                                                  WHEN 'm' THEN 'main' ELSE 'extended' END
           || CASE WHEN t.typcategory <> 'U' THEN ', CATEGORY = ' || pg_catalog.quote_literal(t.typcategory::text) ELSE '' END
           || CASE WHEN t.typispreferred THEN ', PREFERRED = true' ELSE '' END
           || COALESCE(', DEFAULT = ' || pg_catalog.quote_literal(t.typdefault), '')
           || CASE WHEN t.typelem <> 0 THEN ', ELEMENT = ' || pg_catalog.format_type(t.typelem, NULL) ELSE '' END
           || CASE WHEN t.typdelim <> ',' THEN ', DELIMITER = ' || pg_catalog.quote_literal(t.typdelim::text) ELSE '' END
           || CASE WHEN t.typcollation <> 0 THEN ', COLLATABLE = true' ELSE '' END
           || ')',
       pg_catalog.obj_description(t.oid, 'pg_type'),
       ARRAY[]::text[],
       ARRAY[t.typinput::oid::int8, t.typoutput::oid::int8, t.typreceive::oid::int8,
             t.typsend::oid::int8, t.typmodin::oid::int8, t.typmodout::oid::int8,
             t.typanalyze::oid::int8, t.typelem::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_type t
JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype = 'b'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
UNION ALL
-- Operator families: created when not made by a class of the same name alone, with
-- their loose members (pg_depend deptype 'a' on the family); then operator classes
-- with their own members (deptype 'i' on the class).
SELECT f.oid::int8, 'operator_family', ns.nspname, f.opfname || ' USING ' || am.amname,
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE OPERATOR FAMILY %I.%I USING %I', ns.nspname, f.opfname, am.amname)
           || COALESCE(pg_catalog.format(E';\nALTER OPERATOR FAMILY %I.%I USING %I ADD ',
                                         ns.nspname, f.opfname, am.amname)
                       || NULLIF(pg_catalog.concat_ws(', ',
                              (SELECT pg_catalog.string_agg(pg_catalog.format('OPERATOR %s %s', o.amopstrategy, o.amopopr::regoperator::text)
                  || CASE WHEN o.amoppurpose = 'o'
                          THEN (SELECT pg_catalog.format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname)
                                FROM pg_catalog.pg_opfamily sf
                                JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                                WHERE sf.oid = o.amopsortfamily)
                          ELSE '' END, ', '
                                                            ORDER BY o.amopstrategy, o.amoplefttype, o.amoprighttype)
                               FROM pg_catalog.pg_amop o
                               JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::regclass
                                AND d.objid = o.oid AND d.refclassid = 'pg_catalog.pg_opfamily'::regclass
                                AND d.deptype = 'a'
                               WHERE o.amopfamily = f.oid),
                              (SELECT pg_catalog.string_agg(pg_catalog.format('FUNCTION %s (%s, %s) %s', p.amprocnum,
                      pg_catalog.format_type(p.amproclefttype, NULL),
                      pg_catalog.format_type(p.amprocrighttype, NULL),
                      p.amproc::regprocedure::text), ', '
                                                            ORDER BY p.amprocnum, p.amproclefttype, p.amprocrighttype)
                               FROM pg_catalog.pg_amproc p
                               JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::regclass
                                AND d.objid = p.oid AND d.refclassid = 'pg_catalog.pg_opfamily'::regclass
                                AND d.deptype = 'a'
                               WHERE p.amprocfamily = f.oid)), ''), ''),
       pg_catalog.obj_description(f.oid, 'pg_opfamily'),
       ARRAY[]::text[],
       ARRAY(SELECT o.amopopr::int8 FROM pg_catalog.pg_amop o WHERE o.amopfamily = f.oid
             UNION SELECT p.amproc::oid::int8 FROM pg_catalog.pg_amproc p WHERE p.amprocfamily = f.oid),
       ARRAY[]::int8[]
FROM pg_catalog.pg_opfamily f
JOIN ns ON ns.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid)
  AND NOT (EXISTS (SELECT 1 FROM pg_catalog.pg_opclass c
                   WHERE c.opcfamily = f.oid AND c.opcname = f.opfname
                     AND c.opcnamespace = f.opfnamespace)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                           WHERE d.refclassid = 'pg_catalog.pg_opfamily'::regclass
                             AND d.refobjid = f.oid AND d.deptype = 'a'
                             AND d.classid IN ('pg_catalog.pg_amop'::regclass,
                                               'pg_catalog.pg_amproc'::regclass)))
UNION ALL
SELECT c.oid::int8, 'operator_class', ns.nspname, c.opcname || ' USING ' || am.amname,
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE OPERATOR CLASS %I.%I%s FOR TYPE %s USING %I', ns.nspname,
                         c.opcname, CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END,
                         pg_catalog.format_type(c.opcintype, NULL), am.amname)
           || CASE WHEN f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace
                   THEN pg_catalog.format(' FAMILY %I.%I', fn.nspname, f.opfname) ELSE '' END
           || ' AS ' || pg_catalog.concat_ws(', ',
                  CASE WHEN c.opckeytype <> 0
                       THEN 'STORAGE ' || pg_catalog.format_type(c.opckeytype, NULL) END,
                  (SELECT pg_catalog.string_agg(pg_catalog.format('OPERATOR %s %s', o.amopstrategy, o.amopopr::regoperator::text)
                  || CASE WHEN o.amoppurpose = 'o'
                          THEN (SELECT pg_catalog.format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname)
                                FROM pg_catalog.pg_opfamily sf
                                JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                                WHERE sf.oid = o.amopsortfamily)
                          ELSE '' END, ', '
                                                ORDER BY o.amopstrategy, o.amoplefttype, o.amoprighttype)
                   FROM pg_catalog.pg_amop o
                   JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::regclass
                    AND d.objid = o.oid AND d.refclassid = 'pg_catalog.pg_opclass'::regclass
                    AND d.refobjid = c.oid AND d.deptype = 'i'),
                  (SELECT pg_catalog.string_agg(pg_catalog.format('FUNCTION %s (%s, %s) %s', p.amprocnum,
                      pg_catalog.format_type(p.amproclefttype, NULL),
                      pg_catalog.format_type(p.amprocrighttype, NULL),
                      p.amproc::regprocedure::text), ', '
                                                ORDER BY p.amprocnum, p.amproclefttype, p.amprocrighttype)
                   FROM pg_catalog.pg_amproc p
                   JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::regclass
                    AND d.objid = p.oid AND d.refclassid = 'pg_catalog.pg_opclass'::regclass
                    AND d.refobjid = c.oid AND d.deptype = 'i')),
       pg_catalog.obj_description(c.oid, 'pg_opclass'),
       ARRAY[]::text[],
       ARRAY(SELECT o.amopopr::int8 FROM pg_catalog.pg_amop o WHERE o.amopfamily = c.opcfamily
             UNION SELECT p.amproc::oid::int8 FROM pg_catalog.pg_amproc p WHERE p.amprocfamily = c.opcfamily
             UNION SELECT c.opcfamily::int8 UNION SELECT c.opcintype::int8),
       ARRAY[]::int8[]
FROM pg_catalog.pg_opclass c
JOIN ns ON ns.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_opclass'::regclass AND m.objid = c.oid)
UNION ALL
-- The names of the constraints (and their indexes) a partitioned table's key makes on
-- its partitions, at every level, as JSON [partition, name] pairs (the reflection
-- writes the renames).
SELECT pc.oid::int8, 'partition_key_names', ns.nspname, pc.conname, ns.nspname, t.relname, 'seal',
       (WITH RECURSIVE below(oid) AS (
            SELECT c.oid FROM pg_catalog.pg_constraint c WHERE c.conparentid = pc.oid
            UNION ALL
            SELECT c.oid FROM pg_catalog.pg_constraint c JOIN below ON c.conparentid = below.oid)
        SELECT pg_catalog.json_agg(pg_catalog.json_build_array(cn.nspname, cc.relname, ci.relname)
                                   ORDER BY cn.nspname, cc.relname)::text
        FROM below
        JOIN pg_catalog.pg_constraint c ON c.oid = below.oid
        JOIN pg_catalog.pg_class cc ON cc.oid = c.conrelid
        JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
        JOIN pg_catalog.pg_class ci ON ci.oid = c.conindid),
       NULL, ARRAY[]::text[], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_constraint pc
JOIN pg_catalog.pg_class t ON t.oid = pc.conrelid
JOIN ns ON ns.oid = t.relnamespace
WHERE t.relkind = 'p' AND pc.contype IN ('p', 'u', 'x') AND pc.conparentid = 0
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conparentid = pc.oid)
UNION ALL
-- Conversions, access methods and procedural languages the user made (not an
-- extension's): each over its functions.
SELECT c.oid::int8, 'conversion', ns.nspname, c.conname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE %sCONVERSION %I.%I FOR %L TO %L FROM %s',
                         CASE WHEN c.condefault THEN 'DEFAULT ' ELSE '' END, ns.nspname, c.conname,
                         pg_catalog.pg_encoding_to_char(c.conforencoding),
                         pg_catalog.pg_encoding_to_char(c.contoencoding), c.conproc::text),
       pg_catalog.obj_description(c.oid, 'pg_conversion'),
       ARRAY[]::text[], ARRAY[c.conproc::oid::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_conversion c
JOIN ns ON ns.oid = c.connamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_conversion'::regclass AND m.objid = c.oid)
UNION ALL
SELECT a.oid::int8, 'access_method', NULL, a.amname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE ACCESS METHOD %I TYPE %s HANDLER %s', a.amname,
                         CASE a.amtype WHEN 'i' THEN 'INDEX' ELSE 'TABLE' END, a.amhandler::text),
       pg_catalog.obj_description(a.oid, 'pg_am'),
       ARRAY[]::text[], ARRAY[a.amhandler::oid::int8], ARRAY[]::int8[]
FROM pg_catalog.pg_am a
WHERE a.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_am'::regclass AND m.objid = a.oid)
UNION ALL
SELECT l.oid::int8, 'language', NULL, l.lanname, NULL, NULL, 'pre',
       pg_catalog.format('CREATE %sLANGUAGE %I HANDLER %s',
                         CASE WHEN l.lanpltrusted THEN 'TRUSTED ' ELSE '' END, l.lanname,
                         l.lanplcallfoid::regproc::text)
           || CASE WHEN l.laninline <> 0 THEN ' INLINE ' || l.laninline::regproc::text ELSE '' END
           || CASE WHEN l.lanvalidator <> 0 THEN ' VALIDATOR ' || l.lanvalidator::regproc::text ELSE '' END,
       pg_catalog.obj_description(l.oid, 'pg_language'),
       ARRAY[]::text[], ARRAY[l.lanplcallfoid::int8, l.laninline::int8, l.lanvalidator::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_language l
WHERE l.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_language'::regclass AND m.objid = l.oid)
UNION ALL
SELECT t.oid::int8, 'transform', NULL,
       pg_catalog.format_type(t.trftype, NULL) || ' LANGUAGE ' || pg_catalog.quote_ident(l.lanname),
       NULL, NULL, 'pre',
       pg_catalog.format('CREATE TRANSFORM FOR %s LANGUAGE %I (', pg_catalog.format_type(t.trftype, NULL),
                         l.lanname)
           || pg_catalog.concat_ws(', ',
                  CASE WHEN t.trffromsql <> 0
                       THEN 'FROM SQL WITH FUNCTION ' || t.trffromsql::regprocedure::text END,
                  CASE WHEN t.trftosql <> 0
                       THEN 'TO SQL WITH FUNCTION ' || t.trftosql::regprocedure::text END)
           || ')',
       pg_catalog.obj_description(t.oid, 'pg_transform'),
       ARRAY[]::text[], ARRAY[t.trffromsql::int8, t.trftosql::int8, t.trftype::int8, t.trflang::int8],
       ARRAY[]::int8[]
FROM pg_catalog.pg_transform t
JOIN pg_catalog.pg_language l ON l.oid = t.trflang
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_transform'::regclass AND m.objid = t.oid)
UNION ALL
-- Subscriptions (the database's; read by a superuser only), as pg_dump writes them:
-- not connected, so that the copy does not subscribe to the source's publisher, with
-- their owner.
SELECT s.oid::int8, 'subscription', NULL, s.subname, NULL, NULL, 'seal',
       /*subscription*/,
       pg_catalog.obj_description(s.oid, 'pg_subscription'),
       ARRAY[pg_catalog.pg_get_userbyid(s.subowner)::text], ARRAY[]::int8[], ARRAY[]::int8[]
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
  AND /*superuser*/
