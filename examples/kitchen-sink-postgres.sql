-- A PostgreSQL schema that uses every object kind Schema Replicator replicates, with
-- odd identifiers everywhere, and a little data. Loaded by the PostgreSQL tests.

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

CREATE SCHEMA "Sales Ünïcode";
COMMENT ON SCHEMA "Sales Ünïcode" IS 'Odd schema name: spaces, unicode, mixed case';

CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy', 'it''s "complicated"');
COMMENT ON TYPE public.mood IS 'An enum';
CREATE DOMAIN public.positive_money AS numeric(12,2) DEFAULT 0 NOT NULL
    CONSTRAINT positive_money_check CHECK (VALUE >= 0);
COMMENT ON DOMAIN public.positive_money IS 'A domain with a check';
CREATE DOMAIN "Sales Ünïcode"."Code" AS text COLLATE "C"
    CONSTRAINT "Code shape" CHECK (VALUE ~ '^[A-Z]{3}$');
CREATE TYPE public.address AS (street text, city varchar(40) COLLATE "C", zip "Sales Ünïcode"."Code");
COMMENT ON TYPE public.address IS 'A composite type';

CREATE SEQUENCE public.invoice_numbers AS integer START WITH 1000 INCREMENT BY 5
    MINVALUE 1000 MAXVALUE 900000 CACHE 3 CYCLE;
COMMENT ON SEQUENCE public.invoice_numbers IS 'A standalone sequence used by a default';
CREATE SEQUENCE "Sales Ünïcode"."unused seq" START WITH 7;

CREATE FUNCTION public.normalize_name(n text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT lower(trim(n)) $$;
COMMENT ON FUNCTION public.normalize_name(text) IS 'Used by an expression index and a check';

-- SQL-standard bodies are parsed at creation: a_shout needs z_upper to exist first,
-- although its name sorts before it.
CREATE FUNCTION public.z_upper(t text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN upper(t);
CREATE FUNCTION public.a_shout(t text) RETURNS text
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
        SELECT public.z_upper(t) || '!';
    END;

CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW."updated at" := now();
    RETURN NEW;
END
$$;

CREATE FUNCTION public.add_money(acc numeric, x numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT coalesce(acc, 0) + coalesce(x, 0) $$;
CREATE AGGREGATE public.total_money(numeric) (SFUNC = public.add_money, STYPE = numeric, INITCOND = '0');
COMMENT ON AGGREGATE public.total_money(numeric) IS 'A user aggregate';

CREATE PROCEDURE "Sales Ünïcode"."Reset Counters"(IN start_at integer DEFAULT 1)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM setval('public.invoice_numbers', greatest(start_at, 1000));
END
$$;

CREATE TABLE public.customer (
    id integer GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 10 CACHE 2) PRIMARY KEY,
    "Full Name" text NOT NULL,
    email text COLLATE "C",
    feeling public.mood DEFAULT 'ok',
    home public.address,
    tags text[] DEFAULT '{}'::text[],
    balance public.positive_money,
    created timestamp(3) with time zone DEFAULT now() NOT NULL,
    "updated at" timestamptz,
    name_key text GENERATED ALWAYS AS (lower("Full Name")) STORED,
    CONSTRAINT customer_email_key UNIQUE NULLS NOT DISTINCT (email),
    CONSTRAINT customer_name_check CHECK (public.normalize_name("Full Name") <> '')
);
COMMENT ON TABLE public.customer IS 'Customers: identity, enum, composite, array, domain, generated';
COMMENT ON COLUMN public.customer."Full Name" IS 'Mixed-case column';
COMMENT ON CONSTRAINT customer_email_key ON public.customer IS 'NULLS NOT DISTINCT unique';

CREATE TABLE "Sales Ünïcode"."Order" (
    "select" bigserial PRIMARY KEY,
    customer_id integer NOT NULL,
    invoice_no integer DEFAULT nextval('public.invoice_numbers'::regclass) NOT NULL,
    "café" numeric(10,2) DEFAULT 1.50,
    region "Sales Ünïcode"."Code",
    placed date DEFAULT CURRENT_DATE NOT NULL,
    note varchar(200),
    CONSTRAINT "Order_café_check" CHECK ("café" >= 0) NO INHERIT,
    CONSTRAINT "order late check" CHECK (placed > '2000-01-01') NOT VALID,
    CONSTRAINT "Order customer" FOREIGN KEY (customer_id) REFERENCES public.customer(id)
        ON UPDATE CASCADE ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE "Sales Ünïcode"."Order" IS 'Keyword, unicode and quoted names';
CREATE UNIQUE INDEX "Order invoice" ON "Sales Ünïcode"."Order" (invoice_no) INCLUDE (note);
CREATE INDEX order_note_pattern ON "Sales Ünïcode"."Order" (note text_pattern_ops) WHERE note IS NOT NULL;
CREATE INDEX order_placed_desc ON "Sales Ünïcode"."Order" (placed DESC NULLS LAST, customer_id NULLS FIRST);
CREATE INDEX order_note_c ON "Sales Ünïcode"."Order" (note COLLATE "C");
CREATE INDEX order_placed_brin ON "Sales Ünïcode"."Order" USING brin (placed);
COMMENT ON INDEX "Sales Ünïcode"."Order invoice" IS 'Unique index with INCLUDE';

CREATE TABLE public.line (
    order_id bigint NOT NULL,
    line_no smallint NOT NULL,
    qty integer DEFAULT 1 NOT NULL,
    price numeric(10,2) NOT NULL,
    code char(3),
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT line_qty_check CHECK (qty > 0),
    CONSTRAINT line_order_fk FOREIGN KEY (order_id) REFERENCES "Sales Ünïcode"."Order"("select") ON DELETE CASCADE
);
CREATE INDEX line_price_hash ON public.line USING hash (price);
CREATE INDEX line_expr ON public.line ((qty * price));

CREATE TABLE public.pair (
    a integer,
    b integer,
    CONSTRAINT pair_full FOREIGN KEY (a, b) REFERENCES public.line(order_id, line_no) MATCH FULL
);

CREATE TABLE public.booking (
    id serial PRIMARY KEY,
    room integer NOT NULL,
    during tsrange NOT NULL,
    labels text[],
    doc jsonb,
    CONSTRAINT booking_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)
);
CREATE INDEX booking_labels_gin ON public.booking USING gin (labels);
CREATE INDEX booking_doc_gin ON public.booking USING gin (doc jsonb_path_ops);
CREATE INDEX booking_during_gist ON public.booking USING gist (during);
COMMENT ON CONSTRAINT booking_no_overlap ON public.booking IS 'An exclusion constraint';

CREATE UNLOGGED TABLE public.scratch (
    k text PRIMARY KEY,
    v text
) WITH (fillfactor = 70);

CREATE TABLE public.measurement (
    id bigint GENERATED BY DEFAULT AS IDENTITY,
    taken date NOT NULL,
    value double precision,
    PRIMARY KEY (id, taken)
) PARTITION BY RANGE (taken);
CREATE TABLE public.measurement_2024 PARTITION OF public.measurement
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.measurement_2025 PARTITION OF public.measurement
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.measurement_other PARTITION OF public.measurement DEFAULT;
CREATE INDEX measurement_value ON public.measurement (value);

CREATE TABLE public.region_sales (
    region text NOT NULL,
    amount integer
) PARTITION BY LIST (region);
CREATE TABLE public.region_sales_eu PARTITION OF public.region_sales FOR VALUES IN ('de', 'fr');
CREATE TABLE public.region_sales_rest PARTITION OF public.region_sales DEFAULT;

CREATE TABLE public.hashed (
    id integer NOT NULL
) PARTITION BY HASH (id);
CREATE TABLE public.hashed_0 PARTITION OF public.hashed FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.hashed_1 PARTITION OF public.hashed FOR VALUES WITH (MODULUS 2, REMAINDER 1);

CREATE TABLE public.animal (
    id integer PRIMARY KEY,
    name text NOT NULL,
    CONSTRAINT animal_name_check CHECK (name <> '')
);
CREATE TABLE public.dog (
    good boolean DEFAULT true
) INHERITS (public.animal);

CREATE FUNCTION public.customer_label(c public.customer) RETURNS text
    LANGUAGE sql STABLE
    AS $$ SELECT c."Full Name" || ' <' || coalesce(c.email, '?') || '>' $$;

CREATE TRIGGER "touch customer" BEFORE INSERT OR UPDATE ON public.customer
    FOR EACH ROW EXECUTE FUNCTION public.touch();
COMMENT ON TRIGGER "touch customer" ON public.customer IS 'A trigger';

CREATE VIEW public.customer_orders AS
    SELECT c.id, c."Full Name", count(o."select") AS orders
    FROM public.customer c LEFT JOIN "Sales Ünïcode"."Order" o ON o.customer_id = c.id
    GROUP BY c.id, c."Full Name";
COMMENT ON VIEW public.customer_orders IS 'A view';
COMMENT ON COLUMN public.customer_orders.orders IS 'A view column comment';
CREATE VIEW public."Big Customers" WITH (security_barrier = true) AS
    SELECT * FROM public.customer_orders WHERE orders > 1;
CREATE VIEW public.happy_customers AS
    SELECT id, "Full Name", email, feeling FROM public.customer WHERE feeling = 'happy'
    WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW public.sales_summary AS
    SELECT customer_id, public.total_money("café") AS total FROM "Sales Ünïcode"."Order" GROUP BY customer_id;
CREATE UNIQUE INDEX sales_summary_customer ON public.sales_summary (customer_id);
COMMENT ON MATERIALIZED VIEW public.sales_summary IS 'A materialized view with an index';

-- Settings pg_dump writes as ALTER after the table or the index: statistics targets,
-- storage, compression and options of columns, CLUSTER ON (the primary key's index, a
-- secondary index, a unique constraint's), replica identity, an index column's
-- statistics target.
ALTER TABLE public.customer ALTER COLUMN email SET STATISTICS 1000,
    ALTER COLUMN "Full Name" SET STORAGE EXTERNAL, ALTER COLUMN tags SET COMPRESSION pglz,
    ALTER COLUMN "Full Name" SET (n_distinct = 100), REPLICA IDENTITY FULL;
ALTER TABLE public.customer CLUSTER ON customer_email_key;
ALTER TABLE "Sales Ünïcode"."Order" CLUSTER ON order_placed_desc;
ALTER TABLE public.line CLUSTER ON line_pkey;
ALTER TABLE public.booking REPLICA IDENTITY USING INDEX booking_pkey;
ALTER INDEX public.line_expr ALTER COLUMN 1 SET STATISTICS 3000;
-- Partition indexes with names the server would not give them: two swapped, one
-- hostile.
ALTER INDEX public.measurement_2024_value_idx RENAME TO swap_tmp;
ALTER INDEX public.measurement_2025_value_idx RENAME TO measurement_2024_value_idx;
ALTER INDEX public.swap_tmp RENAME TO measurement_2025_value_idx;
ALTER INDEX public.measurement_other_value_idx RENAME TO "Other Value ✓";
-- The same for the partitions' primary keys (renaming the index renames the
-- constraint) and a unique constraint of a partitioned table.
ALTER INDEX public.measurement_2024_pkey RENAME TO swap_tmp;
ALTER INDEX public.measurement_2025_pkey RENAME TO measurement_2024_pkey;
ALTER INDEX public.swap_tmp RENAME TO measurement_2025_pkey;
ALTER INDEX public.measurement_other_pkey RENAME TO "Other Key ✓";
ALTER TABLE public.hashed ADD CONSTRAINT hashed_id_key UNIQUE (id);
ALTER INDEX public.hashed_1_id_key RENAME TO "hashed one's key";

-- Data
INSERT INTO public.customer ("Full Name", email, feeling, home, tags, balance)
VALUES ('Ada Lovelace', 'ada@example.org', 'happy', ROW('1 Main St', 'London', 'LON'), '{math,poetry}', 10.50),
       ('Alan Turing', NULL, 'ok', NULL, '{}', 0),
       ('Grace Hopper', 'grace@example.org', 'it''s "complicated"', NULL, '{navy}', 99);
INSERT INTO "Sales Ünïcode"."Order" (customer_id, "café", region, placed, note)
VALUES (10, 2.50, 'ABC', '2024-03-01', 'first'), (10, 3.00, 'DEF', '2024-04-01', NULL),
       (20, 0, NULL, '2025-01-02', 'second');
INSERT INTO public.line VALUES (1, 1, 2, 9.99, 'AAA'), (1, 2, 1, 5.00, NULL), (3, 1, 3, 1.25, 'BBB');
INSERT INTO public.pair VALUES (1, 1), (NULL, NULL);
INSERT INTO public.booking (room, during, labels, doc)
VALUES (1, '[2024-01-01 10:00, 2024-01-01 12:00)', '{a,b}', '{"k": 1}'),
       (1, '[2024-01-01 12:00, 2024-01-01 14:00)', NULL, NULL);
INSERT INTO public.scratch VALUES ('x', 'y');
INSERT INTO public.measurement (taken, value) VALUES ('2024-05-01', 1.5), ('2025-06-01', 2.5), ('2030-01-01', 3.5);
INSERT INTO public.region_sales VALUES ('de', 1), ('us', 2);
INSERT INTO public.hashed VALUES (1), (2), (3);
INSERT INTO public.animal VALUES (1, 'cat');
INSERT INTO public.dog VALUES (2, 'rex', true);
DELETE FROM public.customer WHERE "Full Name" = 'Alan Turing' AND NOT EXISTS (
    SELECT 1 FROM "Sales Ünïcode"."Order" WHERE customer_id = 20);
INSERT INTO public.customer ("Full Name", email) VALUES ('Temp', 'temp@example.org');
DELETE FROM public.customer WHERE "Full Name" = 'Temp';
SELECT nextval('public.invoice_numbers');
REFRESH MATERIALIZED VIEW public.sales_summary;
