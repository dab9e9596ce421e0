"""Glue analytics job: the dashboard aggregates (PostgreSQL schema qdp_analytics) -> Redshift.

Every table and view of the schema is copied to the same schema in Redshift, each one replaced as
a whole: the rows go to a staging table, then one Redshift transaction drops the old table and
renames the staging table in its place (readers see the old or the new rows, never a mix, and a
column added on the PostgreSQL side arrives with it). Aggregates only: a table with a column named
like a direct identifier (job-arguments.json, directIdentifierColumns) stops the job before
anything is written.

Only ``main`` touches awsglue; everything else runs on a plain SparkSession.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from qdp_glue import JdbcSession, JdbcTarget, JobError, load_declaration, parse_job_arguments

SPEC = load_declaration("job-arguments.json")["jobs"]["analytics"]
SCHEMA: str = SPEC["schema"]
DIRECT_IDENTIFIERS = frozenset(name.lower() for name in SPEC["directIdentifierColumns"]["names"])
STAGING_SUFFIX = "__staging"

# Redshift has no unbounded text: VARCHAR(65535) is its largest (bytes, UTF-8).
_TEXT = "varchar(65535)"
_SAME = {
    "smallint",
    "integer",
    "bigint",
    "real",
    "double precision",
    "boolean",
    "date",
    "timestamp without time zone",
    "timestamp with time zone",
}
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL's format_type()
    nullable: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]


def list_tables(db: JdbcSession, schema: str = SCHEMA) -> list[Table]:
    """Tables, views and materialized views of the schema with their columns, by name."""
    rows = db.query(
        """
        select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), not a.attnotnull
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = ? and c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition
        order by c.relname, a.attnum
        """,
        [schema],
    )
    tables: dict[str, list[Column]] = {}
    for table, column, type_, nullable in rows:
        tables.setdefault(table, []).append(Column(column, type_, bool(nullable)))
    return [Table(name, tuple(columns)) for name, columns in tables.items()]


def check_tables(tables: Sequence[Table]) -> None:
    """Refuses what must not reach Redshift or cannot be named there, listing every problem."""
    if not tables:
        raise JobError(
            f"schema {SCHEMA} has no tables: nothing to load (is the portal's migration applied?)"
        )
    problems = []
    for table in tables:
        for name in [table.name, *(c.name for c in table.columns)]:
            if not _IDENTIFIER.fullmatch(name):
                problems.append(f"{table.name}: name {name!r} is not a plain lower-case identifier")
        identifiers = [c.name for c in table.columns if c.name.lower() in DIRECT_IDENTIFIERS]
        if identifiers:
            problems.append(f"{table.name}: direct identifier columns {', '.join(identifiers)}")
        if table.name.endswith(STAGING_SUFFIX):
            problems.append(f"{table.name}: names ending in {STAGING_SUFFIX} are the job's own")
    if problems:
        raise JobError(f"{SCHEMA} cannot be loaded into Redshift: " + "; ".join(problems))


def redshift_type(table: str, column: Column) -> str:
    """The Redshift type of a PostgreSQL column type."""
    type_ = column.type
    if type_ in _SAME:
        return type_
    if type_ in ("text", "character varying", "name") or type_.startswith("character varying("):
        return _TEXT
    if re.fullmatch(r"character\(\d+\)|numeric\(\d+,\d+\)", type_):
        return type_
    if type_ == "numeric":
        # Unconstrained numeric (ratios, averages): Redshift's widest precision, 6 decimals.
        return "numeric(38,6)"
    raise JobError(f"{SCHEMA}.{table}.{column.name}: type {type_} has no Redshift mapping")


def replace_actions(table: Table) -> tuple[list[str], list[str]]:
    """The statements run on Redshift before the rows are written to the staging table (an empty
    staging table) and after (in one transaction: the old table dropped, the staging table renamed
    in its place)."""
    staging = f"{SCHEMA}.{table.name}{STAGING_SUFFIX}"
    columns = ", ".join(
        f"{c.name} {redshift_type(table.name, c)}{'' if c.nullable else ' not null'}"
        for c in table.columns
    )
    pre = [
        f"create schema if not exists {SCHEMA}",
        f"drop table if exists {staging}",
        f"create table {staging} ({columns})",
    ]
    post = [
        f"drop table if exists {SCHEMA}.{table.name}",
        f"alter table {staging} rename to {table.name}",
    ]
    return pre, post


# Writes one frame to Redshift: (frame, staging table, statements before, statements after).
Writer = Callable[[DataFrame, str, list[str], list[str]], None]


def jdbc_writer(spark: SparkSession, target: JdbcTarget) -> Writer:
    """Spark's JDBC writer (batched INSERTs) between the statements of replace_actions, the
    statements after in one transaction. The same in Glue (Redshift's JDBC driver) and in the
    tests (a PostgreSQL standing in for Redshift). The aggregates are small (a few thousand rows a
    day); for millions of rows, Glue's Redshift connector would COPY through S3 instead (it needs
    an IAM role Redshift can assume)."""

    def write(frame: DataFrame, staging: str, pre: list[str], post: list[str]) -> None:
        with JdbcSession(spark, target) as db:
            for statement in pre:
                db.execute(statement)
            frame.write.format("jdbc").options(**target.spark_options()).option(
                "dbtable", staging
            ).mode("append").save()
            with db.transaction():
                for statement in post:
                    db.execute(statement)

    return write


def read_table(spark: SparkSession, source: JdbcTarget, table: Table) -> DataFrame:
    columns = ", ".join(c.name for c in table.columns)
    return (
        spark.read.format("jdbc")
        .options(**source.spark_options())
        .option("query", f"select {columns} from {SCHEMA}.{table.name}")
        .load()
    )


@dataclass
class Copied:
    table: str
    rows: int


def run_analytics(spark: SparkSession, source: JdbcTarget, write: Writer) -> list[Copied]:
    """Copies every table of qdp_analytics; returns the tables and their row counts.

    The aggregates change when an import is published: if the latest import moved while the
    tables were read, they are read again (once), so that Redshift gets one publication's view.
    """
    for attempt in (1, 2):
        with JdbcSession(spark, source) as db:
            tables = list_tables(db)
            check_tables(tables)
            actions = {t.name: replace_actions(t) for t in tables}  # every type mapped up front
            before = db.query("select qdp.latest_import_id()")[0][0]
            frames = {t.name: read_table(spark, source, t).persist() for t in tables}
            counts = {name: frame.count() for name, frame in frames.items()}
            after = db.query("select qdp.latest_import_id()")[0][0]
        if before == after:
            break
        for frame in frames.values():
            frame.unpersist()
        if attempt == 2:
            raise JobError(
                "the latest import changed twice while the aggregates were read: run the job again"
            )
    copied = []
    for table in tables:
        pre, post = actions[table.name]
        write(frames[table.name], f"{SCHEMA}.{table.name}{STAGING_SUFFIX}", pre, post)
        frames[table.name].unpersist()
        copied.append(Copied(table.name, counts[table.name]))
    return copied


def parse_arguments(argv: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """This job's run arguments (contracts/job-arguments.json, jobs.analytics) through awsglue's
    getResolvedOptions: Glue's resolved dict and our arguments by key."""
    return parse_job_arguments("analytics", argv)


def main(argv: list[str]) -> None:  # pragma: no cover - runs only inside AWS Glue
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.context import SparkContext

    resolved, arguments = parse_arguments(argv)
    context = GlueContext(SparkContext.getOrCreate())
    job = Job(context)
    job.init(resolved["JOB_NAME"], resolved)
    source = JdbcTarget.from_glue_conf(context.extract_jdbc_conf(arguments["databaseConnection"]))
    redshift = JdbcTarget.from_glue_conf(context.extract_jdbc_conf(arguments["redshiftConnection"]))
    spark = context.spark_session
    for copied in run_analytics(spark, source, jdbc_writer(spark, redshift)):
        print(f"{SCHEMA}.{copied.table}: {copied.rows} rows")
    job.commit()


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
