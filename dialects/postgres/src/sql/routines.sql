SELECT p.oid::int8 AS oid, ns.nspname AS schema, p.proname AS name, p.prokind::text AS kind,
       ARRAY(SELECT DISTINCT d.refobjid::int8 FROM pg_catalog.pg_depend d
             WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_catalog.pg_proc'::regclass
               AND d.refobjid <> p.oid) AS uses,
       ARRAY(SELECT DISTINCT CASE WHEN rt.typelem <> 0 AND rt.typlen = -1
                                  THEN rt.typelem ELSE rt.oid END::int8
             FROM pg_catalog.pg_depend d
             JOIN pg_catalog.pg_type rt ON rt.oid = d.refobjid
             WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_catalog.pg_type'::regclass)
           -- and the language it is written in, when the user made it
           || ARRAY(SELECT p.prolang::int8 WHERE p.prolang >= 16384) AS types,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
       EXISTS (
           SELECT 1 FROM pg_catalog.pg_depend d
           JOIN pg_catalog.pg_type t ON t.oid = d.refobjid
           JOIN pg_catalog.pg_class rc ON rc.oid = t.typrelid
           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
             AND d.refclassid = 'pg_catalog.pg_type'::regclass
             AND rc.relkind IN ('r', 'p', 'v', 'm', 'f'))
       OR EXISTS (
           SELECT 1 FROM pg_catalog.pg_depend d
           JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid
           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
             AND d.refclassid = 'pg_catalog.pg_class'::regclass
             AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')) AS after_tables,
       p.proparallel::text AS parallel,
       a.aggkind::text AS agg_kind,
       a.aggtransfn::text AS sfunc,
       pg_catalog.format_type(a.aggtranstype, NULL) AS stype,
       a.aggtransspace AS sspace,
       NULLIF(a.aggfinalfn::oid, 0)::regproc::text AS finalfunc,
       a.aggfinalextra AS finalfunc_extra,
       a.aggfinalmodify::text AS finalfunc_modify,
       NULLIF(a.aggcombinefn::oid, 0)::regproc::text AS combinefunc,
       NULLIF(a.aggserialfn::oid, 0)::regproc::text AS serialfunc,
       NULLIF(a.aggdeserialfn::oid, 0)::regproc::text AS deserialfunc,
       a.agginitval AS initcond,
       NULLIF(a.aggsortop, 0)::regoper::text AS sortop,
       NULLIF(a.aggmtransfn::oid, 0)::regproc::text AS msfunc,
       NULLIF(a.aggminvtransfn::oid, 0)::regproc::text AS minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END AS mstype,
       a.aggmtransspace AS msspace,
       NULLIF(a.aggmfinalfn::oid, 0)::regproc::text AS mfinalfunc,
       a.aggmfinalextra AS mfinalfunc_extra,
       a.aggmfinalmodify::text AS mfinalfunc_modify,
       a.aggminitval AS minitcond
FROM pg_catalog.pg_proc p
JOIN ns ON ns.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
WHERE NOT EXISTS (SELECT 1 FROM extension_members m
                  WHERE m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid)
  -- What a type made by itself (a range type's constructors) comes with the type.
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                    AND d.deptype = 'i')
