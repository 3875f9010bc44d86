-- Kitchen-sink SQLite schema: every feature the SQLite dialect replicates, with data.
-- examples/kitchen-sink.db is built from this file (see tests/sqlite_round_trip.rs).
PRAGMA foreign_keys = ON;

CREATE TABLE artist (
  artist_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE,
  country CHAR(2) DEFAULT 'GB',
  formed_on DATE DEFAULT (date('now')),
  motto VARCHAR(40) DEFAULT 'it''s only rock',
  CONSTRAINT artist_name_unique UNIQUE (name)
);

CREATE TABLE album (
  album_id INTEGER PRIMARY KEY,
  artist_id INTEGER NOT NULL REFERENCES artist (artist_id) ON DELETE CASCADE ON UPDATE CASCADE,
  title NVARCHAR(160) NOT NULL,
  released INT CHECK (released BETWEEN 1900 AND 2100),
  price NUMERIC(10,2) NOT NULL DEFAULT 9.99 CONSTRAINT album_price_positive CHECK (price > 0),
  price_cents INTEGER GENERATED ALWAYS AS (CAST(price * 100 AS INTEGER)) STORED,
  title_length INT AS (length(title)) VIRTUAL,
  UNIQUE (artist_id, title)
);

CREATE TABLE "Track Listing" (
  "album id" INTEGER NOT NULL,
  "position" INTEGER NOT NULL CHECK ("position" > 0),
  "Title ""quoted""" TEXT NOT NULL,
  duration_ms INTEGER DEFAULT -1,
  PRIMARY KEY ("album id", "position"),
  CONSTRAINT track_album_fk FOREIGN KEY ("album id") REFERENCES album (album_id)
    ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED
) WITHOUT ROWID;

CREATE TABLE ledger (
  entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
  album_id INTEGER REFERENCES album ON DELETE SET NULL,
  amount REAL NOT NULL,
  memo TEXT DEFAULT NULL,
  note ANY,
  booked_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
) STRICT;

CREATE TABLE "select" (
  "order" INTEGER PRIMARY KEY,
  "group" TEXT UNIQUE,
  "ключ" TEXT DEFAULT 'значение',
  parent INTEGER REFERENCES "select" ("order") ON DELETE SET DEFAULT DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE tag (
  name TEXT NOT NULL,
  weight INTEGER DEFAULT 1
);

CREATE UNIQUE INDEX album_title_ci ON album (title COLLATE NOCASE, artist_id DESC);
CREATE INDEX album_recent ON album (released) WHERE released >= 2000;
CREATE INDEX ledger_month ON ledger (substr(booked_at, 1, 7), amount);
CREATE INDEX "tag weight desc" ON tag (weight DESC, name ASC);

CREATE VIEW album_summary AS
  SELECT a.album_id, a.title, ar.name AS artist, count(t."position") AS tracks
  FROM album AS a JOIN artist AS ar USING (artist_id)
  LEFT JOIN "Track Listing" AS t ON t."album id" = a.album_id
  GROUP BY a.album_id;

CREATE VIEW "big albums" (album, tracks) AS
  SELECT title, tracks FROM album_summary WHERE tracks >= 2;

CREATE TRIGGER album_title_audit AFTER UPDATE OF title ON album
BEGIN
  INSERT INTO ledger (album_id, amount, memo) VALUES (new.album_id, 0, 'renamed from ' || old.title);
END;

CREATE TRIGGER "no big deletes" BEFORE DELETE ON ledger WHEN old.amount > 1000
BEGIN
  SELECT RAISE(ABORT, 'ledger entries over 1000 are permanent');
END;

INSERT INTO artist (name, country, formed_on) VALUES
  ('Abba', 'SE', '1972-01-01'), ('Queen', 'GB', '1970-06-27'),
  ('Kraftwerk', 'DE', '1970-01-01'), ('Temporary', 'US', '2000-01-01');
DELETE FROM artist WHERE name = 'Temporary';

INSERT INTO album (album_id, artist_id, title, released, price) VALUES
  (1, 1, 'Arrival', 1976, 12.5), (2, 2, 'A Night at the Opera', 1975, 14),
  (3, 3, 'Computerwelt', 1981, 11), (4, 3, 'Tour de France', 2003, 13.99);

INSERT INTO "Track Listing" VALUES
  (1, 1, 'When I Kissed the Teacher', 181000), (1, 2, 'Dancing Queen', 230000),
  (2, 1, 'Death on Two Legs', 223000), (3, 1, 'Computerwelt', 305000),
  (4, 1, 'Prologue', -1);

INSERT INTO ledger (album_id, amount, memo, note, booked_at) VALUES
  (1, 12.5, 'first sale', 42, '2024-01-05 10:00:00'),
  (2, 2000, 'bulk order', 'x', '2024-02-01 09:30:00'),
  (NULL, 3.25, NULL, NULL, '2024-02-03 12:00:00');
DELETE FROM ledger WHERE entry_id = 3;

INSERT INTO "select" ("order", "group", parent) VALUES (1, 'root', NULL), (2, 'child', 1);

INSERT INTO tag VALUES ('glam', 3), ('synth', 5), ('pop', 1);
DELETE FROM tag WHERE name = 'glam';
