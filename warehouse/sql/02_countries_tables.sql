-- The countries dimension, kept current by every load (warehouse/countries.py).

-- Every name a loaded file printed, with the region of its block in the file (no line
-- numbers: a reworded title or a blank line must not change what a load stores).
create table if not exists internal.country_names (
    source varchar not null,
    release_date date not null,
    country varchar not null,
    country_code integer,
    row_kind varchar not null,
    region varchar,
);

-- One row per country or aggregate (see the countries view).
create table if not exists internal.countries (
    country_code integer,
    country varchar not null,
    kind varchar not null,
    region varchar,
    aliases varchar[] not null,
);

-- Every printed (name, code) pair -> its canonical row; the views join through it.
create table if not exists internal.country_lookup (
    printed_country varchar not null,
    printed_code integer,
    country varchar not null,
    country_code integer,
    kind varchar not null,
    region varchar,
);
