-- Owners, privileges and default privileges, each as the statements that make the
-- target's catalog hold what the source's holds. Privileges are written as pg_dump
-- writes them: against the object's default (acldefault for its owner, or for what an
-- extension made the privileges it made, pg_init_privs), what the default has and the
-- object lacks is revoked, what the object has beyond it is granted (by its grantor,
-- SET ROLE when that is not the owner), in the order of the object's ACL. Column
-- privileges go with their table's. `label` names the object as messages do.
WITH objects AS (
    -- Schemas, public included (its initial privileges are in pg_init_privs).
    SELECT n.oid, ns.nspname AS schema,
           'schema "' || pg_catalog.replace(n.nspname, '"', '""') || '"' AS label,
           'SCHEMA' AS word, pg_catalog.quote_ident(n.nspname) AS target, 'SCHEMA' AS grant_word,
           n.nspowner AS owner, n.nspacl AS acl,
           COALESCE((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
                     WHERE ip.classoid = 'pg_catalog.pg_namespace'::regclass
                       AND ip.objoid = n.oid AND ip.objsubid = 0),
                    pg_catalog.acldefault('n', n.nspowner)) AS base,
           false AS member, false AS linked, false AS relation,
           'namespace' AS of_kind, NULL::text AS of_schema, n.nspname::text AS of_name,
           NULL::text AS of_arguments
    FROM pg_catalog.pg_namespace n JOIN ns ON ns.oid = n.oid
    UNION ALL
    -- The types that are replicated: enums, domains, composite and range types.
    SELECT t.oid, ns.nspname,
           'type "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(t.typname, '"', '""') || '"',
           CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
           pg_catalog.format('%I.%I', ns.nspname, t.typname),
           CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
           t.typowner, t.typacl,
           COALESCE((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
                     WHERE ip.classoid = 'pg_catalog.pg_type'::regclass
                       AND ip.objoid = t.oid AND ip.objsubid = 0),
                    pg_catalog.acldefault('T', t.typowner)),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid),
           false, false, 'type', ns.nspname::text, t.typname::text, NULL
    FROM pg_catalog.pg_type t
    JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
    WHERE t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c')
       OR (t.typtype = 'b'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid))
    UNION ALL
    -- Routines (not those a type made itself: a range type's constructors).
    SELECT p.oid, ns.nspname,
           'routine "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(p.proname, '"', '""') || '"('
               || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
           CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
           pg_catalog.format('%I.%I(%s)', ns.nspname, p.proname,
                             pg_catalog.pg_get_function_identity_arguments(p.oid)),
           CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
           p.proowner, p.proacl,
           COALESCE((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
                     WHERE ip.classoid = 'pg_catalog.pg_proc'::regclass
                       AND ip.objoid = p.oid AND ip.objsubid = 0),
                    pg_catalog.acldefault('f', p.proowner)),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid),
           false, false, 'routine', ns.nspname::text, p.proname::text,
           pg_catalog.pg_get_function_identity_arguments(p.oid)
    FROM pg_catalog.pg_proc p
    JOIN ns ON ns.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'i')
    UNION ALL
    -- Tables, views, materialized views and sequences. A sequence linked to its
    -- column (serial, identity) follows its table's owner.
    SELECT c.oid, ns.nspname,
           CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END
               || ' "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(c.relname, '"', '""') || '"',
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
           pg_catalog.format('%I.%I', ns.nspname, c.relname),
           CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
           c.relowner, c.relacl,
           COALESCE((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
                     WHERE ip.classoid = 'pg_catalog.pg_class'::regclass
                       AND ip.objoid = c.oid AND ip.objsubid = 0),
                    pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char",
                                          c.relowner)),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid),
           lt.relname IS NOT NULL,
           c.relkind <> 'S',
           CASE WHEN c.relkind IN ('v', 'm') THEN 'view'
                WHEN c.relkind = 'S' AND lt.relname IS NULL THEN 'sequence'
                WHEN c.relkind = 'f' THEN 'foreign_table'
                ELSE 'table' END,
           COALESCE(lt.nspname, ns.nspname)::text, COALESCE(lt.relname, c.relname)::text, NULL
    FROM pg_catalog.pg_class c
    JOIN ns ON ns.oid = c.relnamespace
    -- The table a sequence is linked to (serial, identity).
    LEFT JOIN LATERAL (
        SELECT tn.nspname, t.relname
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
        WHERE c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::regclass
          AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.deptype IN ('a', 'i')
        LIMIT 1) lt ON true
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') OR (c.relkind = 'f' AND NOT c.relispartition)
    UNION ALL
    -- Conversions and languages (an access method has no owner).
    SELECT c.oid, ns.nspname,
           'conversion "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(c.conname, '"', '""') || '"',
           'CONVERSION', pg_catalog.format('%I.%I', ns.nspname, c.conname), NULL,
           c.conowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_conversion'::regclass AND m.objid = c.oid),
           false, false, 'conversion', ns.nspname::text, c.conname::text, NULL
    FROM pg_catalog.pg_conversion c
    JOIN ns ON ns.oid = c.connamespace
    UNION ALL
    SELECT l.oid, NULL, 'language "' || pg_catalog.replace(l.lanname, '"', '""') || '"',
           'LANGUAGE', pg_catalog.quote_ident(l.lanname), 'LANGUAGE',
           l.lanowner, l.lanacl, pg_catalog.acldefault('l', l.lanowner),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_language'::regclass AND m.objid = l.oid),
           false, false, 'language', NULL, l.lanname::text, NULL
    FROM pg_catalog.pg_language l
    WHERE l.oid >= 16384
    UNION ALL
    -- Foreign-data wrappers and servers (the database's).
    SELECT w.oid, NULL,
           'foreign-data wrapper "' || pg_catalog.replace(w.fdwname, '"', '""') || '"',
           'FOREIGN DATA WRAPPER', pg_catalog.quote_ident(w.fdwname), 'FOREIGN DATA WRAPPER',
           w.fdwowner, w.fdwacl, pg_catalog.acldefault('F', w.fdwowner),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_foreign_data_wrapper'::regclass
                     AND m.objid = w.oid),
           false, false, 'foreign_data_wrapper', NULL, w.fdwname::text, NULL
    FROM pg_catalog.pg_foreign_data_wrapper w
    UNION ALL
    SELECT s.oid, NULL,
           'foreign server "' || pg_catalog.replace(s.srvname, '"', '""') || '"',
           'SERVER', pg_catalog.quote_ident(s.srvname), 'FOREIGN SERVER',
           s.srvowner, s.srvacl, pg_catalog.acldefault('S', s.srvowner),
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_foreign_server'::regclass AND m.objid = s.oid),
           false, false, 'foreign_server', NULL, s.srvname::text, NULL
    FROM pg_catalog.pg_foreign_server s
    UNION ALL
    -- Collations and statistics objects (no privileges).
    SELECT co.oid, ns.nspname,
           'collation "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(co.collname, '"', '""') || '"',
           'COLLATION', pg_catalog.format('%I.%I', ns.nspname, co.collname), NULL,
           co.collowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_collation'::regclass AND m.objid = co.oid),
           false, false, 'collation', ns.nspname::text, co.collname::text, NULL
    FROM pg_catalog.pg_collation co
    JOIN ns ON ns.oid = co.collnamespace
    WHERE co.collprovider IN ('c', 'i')
    UNION ALL
    -- Operators, text search dictionaries and configurations, publications (no
    -- privileges). Event triggers set their owner themselves: they come after these.
    SELECT o.oid, ns.nspname,
           'operator ' || ns.nspname || '.' || o.oprname || '('
               || CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE pg_catalog.format_type(o.oprleft, NULL) END
               || ', ' || CASE WHEN o.oprright = 0 THEN 'NONE'
                               ELSE pg_catalog.format_type(o.oprright, NULL) END || ')',
           'OPERATOR',
           pg_catalog.format('%I.%s(%s, %s)', ns.nspname, o.oprname,
               CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE pg_catalog.format_type(o.oprleft, NULL) END,
               CASE WHEN o.oprright = 0 THEN 'NONE' ELSE pg_catalog.format_type(o.oprright, NULL) END),
           NULL, o.oprowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid),
           false, false, 'operator', ns.nspname::text,
           o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN 'NONE'
                                    ELSE pg_catalog.format_type(o.oprleft, NULL) END
                     || ', ' || CASE WHEN o.oprright = 0 THEN 'NONE'
                                     ELSE pg_catalog.format_type(o.oprright, NULL) END || ')',
           NULL
    FROM pg_catalog.pg_operator o
    JOIN ns ON ns.oid = o.oprnamespace
    WHERE o.oprcode::oid <> 0
    UNION ALL
    SELECT f.oid, ns.nspname,
           'operator family ' || f.opfname || ' USING ' || am.amname,
           'OPERATOR FAMILY', pg_catalog.format('%I.%I USING %I', ns.nspname, f.opfname, am.amname),
           NULL, f.opfowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_opfamily'::regclass AND m.objid = f.oid),
           false, false, 'operator_family', ns.nspname::text, f.opfname || ' USING ' || am.amname,
           NULL
    FROM pg_catalog.pg_opfamily f
    JOIN ns ON ns.oid = f.opfnamespace
    JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
    UNION ALL
    SELECT c.oid, ns.nspname,
           'operator class ' || c.opcname || ' USING ' || am.amname,
           'OPERATOR CLASS', pg_catalog.format('%I.%I USING %I', ns.nspname, c.opcname, am.amname),
           NULL, c.opcowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_opclass'::regclass AND m.objid = c.oid),
           false, false, 'operator_class', ns.nspname::text, c.opcname || ' USING ' || am.amname,
           NULL
    FROM pg_catalog.pg_opclass c
    JOIN ns ON ns.oid = c.opcnamespace
    JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
    UNION ALL
    SELECT d.oid, ns.nspname,
           'text search dictionary "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(d.dictname, '"', '""') || '"',
           'TEXT SEARCH DICTIONARY', pg_catalog.format('%I.%I', ns.nspname, d.dictname), NULL,
           d.dictowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_ts_dict'::regclass AND m.objid = d.oid),
           false, false, 'text_search_dictionary', ns.nspname::text, d.dictname::text, NULL
    FROM pg_catalog.pg_ts_dict d
    JOIN ns ON ns.oid = d.dictnamespace
    UNION ALL
    SELECT c.oid, ns.nspname,
           'text search configuration "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(c.cfgname, '"', '""') || '"',
           'TEXT SEARCH CONFIGURATION', pg_catalog.format('%I.%I', ns.nspname, c.cfgname), NULL,
           c.cfgowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid),
           false, false, 'text_search_configuration', ns.nspname::text, c.cfgname::text, NULL
    FROM pg_catalog.pg_ts_config c
    JOIN ns ON ns.oid = c.cfgnamespace
    UNION ALL
    SELECT p.oid, NULL,
           'publication "' || pg_catalog.replace(p.pubname, '"', '""') || '"',
           'PUBLICATION', pg_catalog.quote_ident(p.pubname), NULL,
           p.pubowner, NULL, NULL, false, false, false, 'publication', NULL, p.pubname::text, NULL
    FROM pg_catalog.pg_publication p
    UNION ALL
    SELECT s.oid, ns.nspname,
           'statistics object "' || pg_catalog.replace(ns.nspname, '"', '""') || '"."'
               || pg_catalog.replace(s.stxname, '"', '""') || '"',
           'STATISTICS', pg_catalog.format('%I.%I', ns.nspname, s.stxname), NULL,
           s.stxowner, NULL, NULL,
           EXISTS (SELECT 1 FROM extension_members m
                   WHERE m.classid = 'pg_catalog.pg_statistic_ext'::regclass AND m.objid = s.oid),
           false, false, 'statistics', ns.nspname::text, s.stxname::text, NULL
    FROM pg_catalog.pg_statistic_ext s
    JOIN ns ON ns.oid = s.stxnamespace
)
SELECT o.kind, o.schema, o.label, o.definition, o.roles,
       o.of_kind, o.of_schema, o.of_name, o.of_arguments
FROM (
    -- Owners of what is replicated (what an extension made is the extension's).
    SELECT 'owner' AS kind, x.schema, x.label,
           pg_catalog.format('ALTER %s %s OWNER TO %I', x.word, x.target,
                             pg_catalog.pg_get_userbyid(x.owner)) AS definition,
           ARRAY[pg_catalog.pg_get_userbyid(x.owner)::text] AS roles,
           x.of_kind, x.of_schema, x.of_name, x.of_arguments
    FROM objects x
    WHERE NOT x.member AND NOT x.linked
    UNION ALL
    SELECT 'privileges', x.schema, x.label, a.definition, a.roles,
           x.of_kind, x.of_schema, x.of_name, x.of_arguments
    FROM objects x
    CROSS JOIN LATERAL (
        SELECT pg_catalog.string_agg(s.sql, E';\n' ORDER BY s.ord, s.sub) AS definition,
               ARRAY(SELECT DISTINCT r FROM pg_catalog.unnest(
                         pg_catalog.array_agg(s.grantee) || pg_catalog.array_agg(s.grantor)) r
                     WHERE r IS NOT NULL ORDER BY 1) AS roles
        FROM (
            -- What the default grants and the object does not have.
            SELECT 0 AS ord, 0 AS sub,
                   pg_catalog.format('REVOKE %s ON %s %s FROM %s',
                       pg_catalog.string_agg(b.privilege_type, ', ' ORDER BY b.privilege_type),
                       x.grant_word, x.target,
                       CASE WHEN b.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(b.grantee)) END) AS sql,
                   CASE WHEN b.grantee <> 0 THEN pg_catalog.pg_get_userbyid(b.grantee)::text END AS grantee,
                   NULL::text AS grantor
            FROM pg_catalog.aclexplode(x.base) b
            WHERE x.acl IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(x.acl) a
                              WHERE a.grantee = b.grantee AND a.grantor = b.grantor
                                AND a.privilege_type = b.privilege_type
                                AND a.is_grantable = b.is_grantable)
            GROUP BY b.grantee
            UNION ALL
            -- What the object has beyond the default, by grantor, grantee and grant
            -- option, in the order of its ACL.
            SELECT 1, pg_catalog.min(g.n),
                   CASE WHEN g.grantor <> x.owner
                        THEN pg_catalog.format(E'SET ROLE %I;\n', pg_catalog.pg_get_userbyid(g.grantor))
                        ELSE '' END
                   || pg_catalog.format('GRANT %s ON %s %s TO %s',
                       pg_catalog.string_agg(g.privilege_type, ', ' ORDER BY g.n),
                       x.grant_word, x.target,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END)
                   || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
                   || CASE WHEN g.grantor <> x.owner THEN E';\nRESET ROLE' ELSE '' END,
                   CASE WHEN g.grantee <> 0 THEN pg_catalog.pg_get_userbyid(g.grantee)::text END,
                   CASE WHEN g.grantor <> x.owner THEN pg_catalog.pg_get_userbyid(g.grantor)::text END
            FROM pg_catalog.aclexplode(x.acl) WITH ORDINALITY AS g(grantor, grantee, privilege_type, is_grantable, n)
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(x.base) b
                              WHERE b.grantee = g.grantee AND b.grantor = g.grantor
                                AND b.privilege_type = g.privilege_type
                                AND b.is_grantable = g.is_grantable)
            GROUP BY g.grantor, g.grantee, g.is_grantable
            UNION ALL
            -- Column privileges (a column has no default).
            SELECT 2, pg_catalog.min(col.attnum * 1000 + g.n)::int,
                   CASE WHEN g.grantor <> x.owner
                        THEN pg_catalog.format(E'SET ROLE %I;\n', pg_catalog.pg_get_userbyid(g.grantor))
                        ELSE '' END
                   || pg_catalog.format('GRANT %s ON TABLE %s TO %s',
                       pg_catalog.string_agg(g.privilege_type || ' (' || pg_catalog.quote_ident(col.attname) || ')',
                                             ', ' ORDER BY g.n),
                       x.target,
                       CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END)
                   || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
                   || CASE WHEN g.grantor <> x.owner THEN E';\nRESET ROLE' ELSE '' END,
                   CASE WHEN g.grantee <> 0 THEN pg_catalog.pg_get_userbyid(g.grantee)::text END,
                   CASE WHEN g.grantor <> x.owner THEN pg_catalog.pg_get_userbyid(g.grantor)::text END
            FROM pg_catalog.pg_attribute col
            CROSS JOIN LATERAL pg_catalog.aclexplode(col.attacl) WITH ORDINALITY AS g(grantor, grantee, privilege_type, is_grantable, n)
            WHERE x.relation AND col.attrelid = x.oid AND col.attnum > 0 AND NOT col.attisdropped
              AND col.attacl IS NOT NULL
            GROUP BY col.attnum, g.grantor, g.grantee, g.is_grantable
        ) s
    ) a
    WHERE a.definition IS NOT NULL
    UNION ALL
    -- Default privileges: against the built-in default for a role's objects everywhere,
    -- against none in one schema.
    SELECT 'default_privileges', dn.nspname,
           pg_catalog.format('for role "%s"%s on %s',
               pg_catalog.replace(pg_catalog.pg_get_userbyid(d.defaclrole), '"', '""'),
               CASE WHEN dn.nspname IS NOT NULL
                    THEN pg_catalog.format(' in schema "%s"', pg_catalog.replace(dn.nspname, '"', '""'))
                    ELSE '' END,
               w.word),
           (SELECT pg_catalog.string_agg(q.sql, E';\n' ORDER BY q.ord, q.sub)
            FROM (
                SELECT 0 AS ord, 0 AS sub,
                       pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s REVOKE %s ON %s FROM %s',
                           pg_catalog.pg_get_userbyid(d.defaclrole),
                           CASE WHEN dn.nspname IS NOT NULL THEN pg_catalog.format(' IN SCHEMA %I', dn.nspname) ELSE '' END,
                           pg_catalog.string_agg(b.privilege_type, ', ' ORDER BY b.privilege_type), w.word,
                           CASE WHEN b.grantee = 0 THEN 'PUBLIC'
                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(b.grantee)) END) AS sql
                FROM pg_catalog.aclexplode(CASE WHEN d.defaclnamespace = 0
                         THEN pg_catalog.acldefault(w.code, d.defaclrole) END) b
                WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(d.defaclacl) a
                                  WHERE a.grantee = b.grantee AND a.privilege_type = b.privilege_type
                                    AND a.is_grantable = b.is_grantable)
                GROUP BY b.grantee
                UNION ALL
                SELECT 1, pg_catalog.min(g.n)::int,
                       pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %s%s',
                           pg_catalog.pg_get_userbyid(d.defaclrole),
                           CASE WHEN dn.nspname IS NOT NULL THEN pg_catalog.format(' IN SCHEMA %I', dn.nspname) ELSE '' END,
                           pg_catalog.string_agg(g.privilege_type, ', ' ORDER BY g.n), w.word,
                           CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
                           CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                FROM pg_catalog.aclexplode(d.defaclacl) WITH ORDINALITY AS g(grantor, grantee, privilege_type, is_grantable, n)
                WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(CASE WHEN d.defaclnamespace = 0
                                      THEN pg_catalog.acldefault(w.code, d.defaclrole) END) b
                                  WHERE b.grantee = g.grantee AND b.privilege_type = g.privilege_type
                                    AND b.is_grantable = g.is_grantable)
                GROUP BY g.grantee, g.is_grantable
            ) q),
           ARRAY(SELECT DISTINCT r FROM (
                     SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text AS r
                     UNION ALL
                     SELECT pg_catalog.pg_get_userbyid(a.grantee)::text
                     FROM pg_catalog.aclexplode(d.defaclacl) a WHERE a.grantee <> 0) rs
                 ORDER BY 1),
           CASE WHEN dn.nspname IS NOT NULL THEN 'namespace' END, NULL, dn.nspname::text, NULL
    FROM pg_catalog.pg_default_acl d
    LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid = d.defaclnamespace
    CROSS JOIN LATERAL (
        SELECT CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
                   WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' END AS word,
               CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END::"char" AS code
    ) w
    WHERE d.defaclnamespace = 0 OR d.defaclnamespace IN (SELECT oid FROM ns)
) o
WHERE o.definition IS NOT NULL
