-- Internal tables: the vintage store and the run log. Analysts use the views in main.
create schema if not exists internal;

-- One row per value version: a value is stored again only when a release changes it.
create table if not exists internal.observation_versions (
    source varchar not null,        -- file family, e.g. slt_table1
    dataset varchar not null,       -- holdings | flows | npr_summary
    period date not null,
    country varchar not null,
    country_code integer,
    row_kind varchar not null,
    security varchar not null,
    holder varchar not null,
    measure varchar not null,
    usd_millions double,
    release_date date not null,     -- the release that published this version
    superseded_by date,             -- the release that replaced it; null while current
);

create table if not exists internal.release_files (
    release_date date not null,
    file_name varchar not null,
    source varchar not null,
    sha256 varchar not null,
    bytes bigint not null,
    url varchar,
    rows_parsed bigint not null,
    rows_changed bigint not null,
    loaded_at timestamptz not null,
    validation_status varchar not null,   -- passed | passed_with_warnings
);

create table if not exists internal.runs (
    run_id varchar not null,
    flow varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    outcome varchar not null,       -- loaded | nothing_new | quarantined | failed
    release_date date,
    files_changed varchar[],
    rows_loaded bigint,
    validation_summary varchar,
    report_path varchar,
    message varchar,
);

create table if not exists internal.validation_results (
    run_id varchar not null,
    release_date date,
    suite varchar not null,
    check_name varchar not null,
    severity varchar not null,      -- error | warning
    success boolean not null,
    checked_rows bigint,
    failed_rows bigint,
    examples varchar,
);

-- The id of the publish that wrote this database; names its Parquet snapshot.
create table if not exists internal.publish_state (
    publish_id varchar not null,
);

-- What this warehouse's objects were last built from (warehouse/load.py ensure_objects): the
-- digest of the SQL files and the dictionary, a fingerprint of the catalog they made, and
-- the publish they went out with.
create table if not exists internal.schema_state (
    sql_digest varchar not null,
    catalog_fingerprint varchar not null,
    publish_id varchar,
);
