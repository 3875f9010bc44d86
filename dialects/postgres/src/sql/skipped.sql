-- Objects of kinds this dialect does not replicate, each with the reason. What an
-- extension created is its own (CREATE EXTENSION makes it again), so it is left out.
SELECT 'security label' AS kind,
       l.objtype || ' ' || l.objname || ' (' || l.provider || ')' AS name,
       'security labels are not replicated' AS reason
FROM pg_catalog.pg_seclabels l
WHERE l.objnamespace IS NULL OR l.objnamespace IN (SELECT oid FROM ns)
UNION ALL
-- The names are the database's to read; the connection strings the superuser's: a
-- role that is not one cannot replicate them.
SELECT 'subscription', s.subname,
       'subscriptions are replicated only by a superuser (their connection strings are '
           || 'readable by superusers only)'
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d
                   WHERE d.datname = pg_catalog.current_database())
  AND NOT /*superuser*/
UNION ALL
SELECT 'foreign table', ns.nspname || '.' || c.relname,
       'foreign tables that are partitions are not replicated'
FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind = 'f' AND c.relispartition
