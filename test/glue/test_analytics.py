"""The analytics job: qdp_analytics (PostgreSQL) -> Redshift. The pure parts exactly; the copy
against the real test PostgreSQL, with a second, empty PostgreSQL database standing in for
Redshift (same JDBC writes and the same SQL actions Glue's Redshift connector runs)."""

from __future__ import annotations

import pytest

from analytics_job import (
    Column,
    Table,
    check_tables,
    jdbc_writer,
    list_tables,
    redshift_type,
    replace_actions,
    run_analytics,
)
from qdp_glue import JdbcSession, JobError

COUNTS = Table(
    "daily_counts",
    (
        Column("import_id", "bigint", False),
        Column("day", "date", False),
        Column("istat_code", "character(6)", True),
        Column("reason", "text", True),
        Column("people", "integer", False),
        Column("share", "numeric", True),
        Column("ratio", "numeric(5,2)", True),
        Column("suppressed", "boolean", False),
        Column("at", "timestamp with time zone", True),
    ),
)


def test_types_map_to_redshift():
    assert [redshift_type(COUNTS.name, c) for c in COUNTS.columns] == [
        "bigint",
        "date",
        "character(6)",
        "varchar(65535)",
        "integer",
        "numeric(38,6)",
        "numeric(5,2)",
        "boolean",
        "timestamp with time zone",
    ]
    with pytest.raises(
        JobError, match=r"^qdp_analytics.t.tags: type text\[\] has no Redshift mapping$"
    ):
        redshift_type("t", Column("tags", "text[]", True))


def test_replace_actions_swap_the_staging_table_in_one_transaction():
    pre, post = replace_actions(
        Table("by_gp", (Column("gp_code", "text", False), Column("people", "bigint", True)))
    )
    assert pre == [
        "create schema if not exists qdp_analytics",
        "drop table if exists qdp_analytics.by_gp__staging",
        "create table qdp_analytics.by_gp__staging (gp_code varchar(65535) not null, people bigint)",
    ]
    assert post == [
        "drop table if exists qdp_analytics.by_gp",
        "alter table qdp_analytics.by_gp__staging rename to by_gp",
    ]


def test_direct_identifiers_and_odd_names_are_refused_all_at_once():
    tables = [
        COUNTS,
        Table(
            "people",
            (
                Column("Fiscal_Code", "text", True),
                Column("telefono", "text", True),
                Column("n", "integer", True),
            ),
        ),
        Table("Odd Name", (Column("n", "integer", True),)),
        Table("x__staging", (Column("n", "integer", True),)),
    ]
    with pytest.raises(JobError) as raised:
        check_tables(tables)
    assert str(raised.value) == (
        "qdp_analytics cannot be loaded into Redshift: "
        "people: name 'Fiscal_Code' is not a plain lower-case identifier; "
        "people: direct identifier columns Fiscal_Code, telefono; "
        "Odd Name: name 'Odd Name' is not a plain lower-case identifier; "
        "x__staging: names ending in __staging are the job's own"
    )
    check_tables([COUNTS])


def test_no_tables_is_an_error():
    with pytest.raises(JobError, match="^schema qdp_analytics has no tables: nothing to load"):
        check_tables([])


# A table of our own beside the portal's (migration 0012), with every type the job maps.
EXTRA = """
create table qdp_analytics.extra_counts (
  import_id bigint not null, day date not null, istat_code character(6), reason text,
  people integer not null, share numeric, suppressed boolean not null,
  at timestamp with time zone);
insert into qdp_analytics.extra_counts values
  (1, '2021-03-01', '023091', 'POSITIVO', 120, 0.25, false, '2021-03-01 08:00:00+00'),
  (1, '2021-03-01', '023044', 'CONTATTO', 3, null, true, null);
create table qdp_analytics.extra_by_gp (gp_code text not null, people bigint);
insert into qdp_analytics.extra_by_gp select 'MG' || g, g from generate_series(1, 500) g;
create view qdp_analytics.extra_totals as
  select sum(people)::bigint as people from qdp_analytics.extra_counts;
"""


def _rows(spark, target, sql):
    with JdbcSession(spark, target) as db:
        return db.query(sql)


def _table_text(spark, target, table):
    """Every row of a table as text, sorted: compares a copy with its source exactly."""
    return sorted(
        r[0] for r in _rows(spark, target, f"select t::text from qdp_analytics.{table} t")
    )


def _publish_two_days(spark, database, tmp_path):
    from test_import_database import _qdp  # the TypeScript importer fills the aggregates too

    for day in (1, 2):
        out = tmp_path / f"day{day}.csv"
        _qdp("synth", "--rows", "200", "--seed", "analytics", "--day", str(day), "--out", str(out))
        _qdp("import", str(out), database_url=database.url)


@pytest.mark.database
def test_copies_the_portal_aggregates_exactly(spark, new_database, tmp_path):
    source, redshift = new_database(), new_database(empty=True)
    _publish_two_days(spark, source, tmp_path)
    with JdbcSession(spark, source.jdbc) as db:
        tables = list_tables(db)
    names = [t.name for t in tables]
    assert {
        "imports",
        "publications",
        "by_municipality",
        "by_gp",
        "by_gp_municipality",
        "accesses",
    } <= set(names)
    copied = run_analytics(spark, source.jdbc, jdbc_writer(spark, redshift.jdbc))
    assert [c.table for c in copied] == names
    for table in names:
        assert _table_text(spark, redshift.jdbc, table) == _table_text(spark, source.jdbc, table), (
            table
        )
    counts = {c.table: c.rows for c in copied}
    assert counts["imports"] == 2 and counts["publications"] == 2 and counts["by_municipality"] > 2
    # The GP's by-municipality aggregate (migration 0023) travels like the others.
    assert counts["by_gp_municipality"] >= counts["by_gp"] > 2


@pytest.mark.database
def test_replaces_tables_and_follows_new_columns(spark, new_database):
    source, redshift = new_database(), new_database(empty=True)
    with JdbcSession(spark, source.jdbc) as db:
        db.execute(EXTRA)
    copied = {
        c.table: c.rows
        for c in run_analytics(spark, source.jdbc, jdbc_writer(spark, redshift.jdbc))
    }
    assert (copied["extra_by_gp"], copied["extra_counts"], copied["extra_totals"]) == (500, 2, 1)
    assert _rows(
        spark,
        redshift.jdbc,
        "select import_id, day::text, istat_code, reason, people, share::text, suppressed, at::text "
        "from qdp_analytics.extra_counts order by people",
    ) == [
        (1, "2021-03-01", "023044", "CONTATTO", 3, None, True, None),
        (1, "2021-03-01", "023091", "POSITIVO", 120, "0.250000", False, "2021-03-01 08:00:00+00"),
    ]
    assert _rows(
        spark, redshift.jdbc, "select count(*), sum(people)::text from qdp_analytics.extra_by_gp"
    ) == [(500, "125250")]
    assert _rows(spark, redshift.jdbc, "select people from qdp_analytics.extra_totals") == [(123,)]

    # Next run: rows change and a column appears; the copy replaces both.
    with JdbcSession(spark, source.jdbc) as db:
        db.execute(
            "delete from qdp_analytics.extra_by_gp where people > 2; "
            "alter table qdp_analytics.extra_by_gp add column share numeric(4,3); "
            "update qdp_analytics.extra_by_gp set share = 0.5"
        )
    run_analytics(spark, source.jdbc, jdbc_writer(spark, redshift.jdbc))
    assert _rows(
        spark,
        redshift.jdbc,
        "select gp_code, people, share::text from qdp_analytics.extra_by_gp order by people",
    ) == [("MG1", 1, "0.500"), ("MG2", 2, "0.500")]
    assert _rows(
        spark,
        redshift.jdbc,
        "select count(*) from pg_tables where schemaname = 'qdp_analytics' "
        "and tablename like '%__staging'",
    ) == [(0,)]


@pytest.mark.database
def test_a_table_with_a_direct_identifier_stops_the_job_before_any_write(spark, new_database):
    source, redshift = new_database(), new_database(empty=True)
    with JdbcSession(spark, source.jdbc) as db:
        db.execute("create table qdp_analytics.leak (cognome text, people integer);")
    with pytest.raises(JobError, match="leak: direct identifier columns cognome$"):
        run_analytics(spark, source.jdbc, jdbc_writer(spark, redshift.jdbc))
    assert _rows(
        spark, redshift.jdbc, "select count(*) from pg_namespace where nspname = 'qdp_analytics'"
    ) == [(0,)]


@pytest.mark.database
def test_without_the_aggregates_schema_the_job_says_so(spark, new_database):
    source, redshift = new_database(), new_database(empty=True)
    with JdbcSession(spark, source.jdbc) as db:
        db.execute("drop schema qdp_analytics cascade")
    with pytest.raises(JobError, match="^schema qdp_analytics has no tables"):
        run_analytics(spark, source.jdbc, jdbc_writer(spark, redshift.jdbc))
