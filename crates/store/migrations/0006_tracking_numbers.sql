-- Repair: `tracking_numbers` for the databases that lack it.
--
-- 0005_cases shipped (97e4da2) without this table; a later commit (4230c05) added it
-- to 0005 in place. A database migrated between the two recorded 0005 as applied and
-- never got the table; every database migrated since holds the edited 0005, table
-- included. So this repair creates the table only where it is missing: IF NOT EXISTS
-- works the same on SQLite and PostgreSQL, and the definition is exactly the one in
-- 0005, so both kinds of database end with one schema and a database migrated with
-- today's 0005 sees a no-op.
--
-- 0005 keeps its edited text rather than going back to the shipped one: nearly every
-- applied database (all those migrated since 4230c05, which includes every test and
-- development database) ran the edited text, so putting the shipped text back would
-- itself edit a migration those databases applied, and the checksum recorded for
-- them on first start would name a text they never ran.

-- Tracking numbers given for orders, for the reuse check (one number on many orders
-- is the fake-tracking pattern). Written with the shipped event.
CREATE TABLE IF NOT EXISTS tracking_numbers (
    number TEXT NOT NULL,
    order_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (number, order_id)
);
