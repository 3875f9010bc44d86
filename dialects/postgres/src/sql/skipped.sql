-- Objects of kinds this dialect does not replicate, each with the reason. What an
-- extension created is its own (CREATE EXTENSION makes it again), so it is left out,
-- but for the privileges changed after the extension made them (pg_init_privs keeps
-- those it made), which pg_dump dumps too.
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
       ns.nspname || '.' || c.relname AS name,
       'privileges (GRANT/REVOKE) are not replicated' AS reason
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relacl IS DISTINCT FROM (
      SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
      WHERE ip.classoid = 'pg_catalog.pg_class'::regclass AND ip.objoid = c.oid
        AND ip.objsubid = 0)
UNION ALL
SELECT 'routine', ns.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       'privileges (GRANT/REVOKE) are not replicated'
FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
WHERE p.proacl IS NOT NULL
  AND p.proacl IS DISTINCT FROM (
      SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
      WHERE ip.classoid = 'pg_catalog.pg_proc'::regclass AND ip.objoid = p.oid
        AND ip.objsubid = 0)
UNION ALL
SELECT 'schema', ns.nspname, 'privileges (GRANT/REVOKE) are not replicated'
FROM pg_catalog.pg_namespace n JOIN ns ON ns.oid = n.oid
WHERE n.nspacl IS NOT NULL AND n.nspname <> 'public'
UNION ALL
SELECT 'table', ns.nspname || '.' || c.relname,
       'its tablespace ' || pg_catalog.quote_ident(ts.spcname) || ' is not replicated'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
WHERE c.relkind IN ('r', 'p', 'm', 'i')
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' ELSE 'table' END,
       ns.nspname || '.' || c.relname,
       'its owner ' || pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner))
           || ' is not replicated (the target owner is the applying role)'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> (
    SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'foreign table', ns.nspname || '.' || c.relname,
       'foreign tables, servers and user mappings are not replicated'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'f'
UNION ALL
SELECT 'type', ns.nspname || '.' || t.typname,
       CASE t.typtype WHEN 'r' THEN 'range types' WHEN 'm' THEN 'multirange types'
                      ELSE 'base types' END || ' are not replicated'
FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype IN ('b', 'r')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type el WHERE el.typarray = t.oid)
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_type'::regclass AND m.objid = t.oid)
UNION ALL
SELECT 'operator', ns.nspname || '.' || o.oprname, 'user-defined operators are not replicated'
FROM pg_catalog.pg_operator o JOIN ns ON ns.oid = o.oprnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_operator'::regclass AND m.objid = o.oid)
UNION ALL
SELECT 'text search configuration', ns.nspname || '.' || c.cfgname,
       'text search configurations are not replicated'
FROM pg_catalog.pg_ts_config c JOIN ns ON ns.oid = c.cfgnamespace
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_ts_config'::regclass AND m.objid = c.oid)
UNION ALL
SELECT 'publication', p.pubname, 'publications are not replicated'
FROM pg_catalog.pg_publication p
UNION ALL
SELECT 'security label', l.objtype || ' ' || l.objname || ' (' || l.provider || ')',
       'security labels are not replicated'
FROM pg_catalog.pg_seclabels l
WHERE l.objnamespace IS NULL OR l.objnamespace IN (SELECT oid FROM ns)
UNION ALL
SELECT 'event trigger', e.evtname, 'event triggers are not replicated'
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = e.oid)
UNION ALL
SELECT 'default privileges', pg_catalog.pg_get_userbyid(d.defaclrole),
       'ALTER DEFAULT PRIVILEGES is not replicated'
FROM pg_catalog.pg_default_acl d
UNION ALL
SELECT 'cast', pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL),
       'user-defined casts are not replicated'
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_cast'::regclass AND m.objid = c.oid)
  -- A cast its type made by itself (a range type's cast to its multirange: pg_depend
  -- deptype 'i'), which pg_dump does not dump either.
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_cast'::regclass AND d.objid = c.oid
                    AND d.deptype = 'i')
