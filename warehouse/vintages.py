"""Keep the vintage views fast: each group's source arrivals and each key's first span, brought
up to date by each load (definitions: warehouse/sql/51_value_vintages.sql)."""

from __future__ import annotations

import duckdb

GROUP = ("dataset", "period", "security", "measure")
FIRST_VALUE_KEY = ("dataset", "period", "country", "security", "holder", "measure")
HELD_IN_CHANGED = " and ".join(f"held.{c} = changed.{c}" for c in GROUP)


def refresh_vintages(con: duckdb.DuckDBPyConnection, *, names_changed: bool = False) -> None:
    """Bring internal.source_displacements (a few thousand rows the vintage views and the
    change macros read) and internal.first_values (the first-release views) up to date with
    the groups and releases the loads on this connection changed (pending_groups and
    pending_releases, warehouse.load.track_changes).

    names_changed: a name or code the warehouse already held maps to another country now, so
    first values kept under the old name are rebuilt."""
    con.execute(
        "set variable pending_release_dates = ("
        "select coalesce(list(distinct release_date), []::date[]) from pending_releases)"
    )
    _refresh_displacements(con)
    if names_changed:
        _rebuild_first_values(con)
    else:
        _add_first_values(con)


def _refresh_displacements(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the groups where a source's first arrival may have changed: a source the
    pending releases brought to a group it was not in, or an arrival dated by one of them (a
    same-day reload undid it). In every other changed group each source arrived before, so
    its displacements stand (at 2 million versions: 36 months of groups, 0.1 s, for none)."""
    group = ", ".join(GROUP)
    con.execute(
        f"""
        create or replace temp table arrival_groups as
        select distinct {group}
        from internal.observation_versions as versions
        join internal.source_precedence as precedence using (source)
        anti join internal.source_displacements as held using ({group}, source_rank)
        where list_contains(getvariable('pending_release_dates'), versions.release_date)
        union
        select {group} from internal.source_displacements
        where list_contains(getvariable('pending_release_dates'), arrived)
        """
    )
    con.execute(
        f"delete from internal.source_displacements as held using arrival_groups as changed "
        f"where {HELD_IN_CHANGED}"
    )
    con.execute(
        "insert into internal.source_displacements "
        "from internal.source_displacements_in('arrival_groups')"
    )


def rebuild_vintages(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute both tables from every version: ``create_objects`` does, when the SQL that
    defines them may have changed (bench/history.py times it in a full rebuild)."""
    con.execute(
        "create or replace table internal.source_displacements as "
        "select * from internal.source_displacements_now"
    )
    _rebuild_first_values(con)


def _rebuild_first_values(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("delete from internal.first_values")
    con.execute(
        "insert into internal.first_values by name "
        "from internal.first_spans('internal.value_vintages') order by dataset, period"
    )


def _add_first_values(con: duckdb.DuckDBPyConnection) -> None:
    """The first spans of the pending releases: their spans (in the pending groups) of keys
    with no span from an earlier release. A same-day reload's earlier first spans go first."""
    group = ", ".join(GROUP)
    # Of the changed groups only: a same-day reload of one file of a release must keep the
    # first values the release's other files brought.
    con.execute(
        f"delete from internal.first_values as held "
        f"using (select distinct {group} from pending_groups) as changed "
        f"where list_contains(getvariable('pending_release_dates'), held.release_date) "
        f"and {HELD_IN_CHANGED}"
    )
    changed = f"(select distinct {group} from pending_groups) as changed using ({group})"
    # The keys held, of the changed groups only: the anti join then reads a few thousand rows,
    # not every key (10 ms of 20 in a marginal release).
    con.execute(
        f"""
        create or replace temp view first_value_candidates as
        select spans.*
        from internal.value_vintages as spans
        semi join {changed}
        anti join (select * from internal.first_values semi join {changed}) as held
            using ({", ".join(FIRST_VALUE_KEY)})
        where list_contains(getvariable('pending_release_dates'), spans.realtime_start)
        """
    )
    con.execute(
        "insert into internal.first_values by name "
        "from internal.first_spans('first_value_candidates')"
    )
