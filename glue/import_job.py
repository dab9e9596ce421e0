"""Glue import job: staged daily file -> qdp.transit_<import id> -> the database's reconciliation.

The file's rows are read through the Data Catalog table that the crawler (CSV classifier) made.
on-upload staged them with the import core's reader, which already matched the uploaded file's
header with contracts/daily-file.json: the staged file carries QDP_LINE_NO and then the
contract's canonical headers in transit column order (contracts/job-arguments.json, stagedFile).
The job checks that shape instead of mapping headers a second time, writes the rows to the
import's transit partition through the JDBC connection, and then asks the database to mark the
import loaded and to reconcile it (qdp.mark_loaded, qdp.reconcile_import: the SQL of the import
core; no rule of the daily file is checked here). A file of another shape fails the import before
any row is written.

Only ``main`` and ``parse_arguments`` touch awsglue/boto3; everything else runs on a plain
SparkSession.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from qdp_glue import (
    JdbcSession,
    JdbcTarget,
    JobError,
    database_error_message,
    load_declaration,
    parse_job_arguments,
)

CONTRACT = load_declaration("daily-file.json")
STAGED_FILE = load_declaration("job-arguments.json")["stagedFile"]
FIELDS: list[dict[str, Any]] = CONTRACT["fields"]
TRANSIT_COLUMNS = [f["column"] for f in FIELDS]

# Spark's JDBC writer default; the job argument --qdp_jdbc_batch_size overrides it.
DEFAULT_JDBC_BATCH_SIZE = 1000

# The staged file's header (stagedFile.lineNumberColumn, then the contract's canonical headers in
# transit column order), as on-upload's csvOf writes it.
STAGED_HEADER = [STAGED_FILE["lineNumberColumn"], *(f["header"] for f in FIELDS)]


def check_staged_header(columns: Sequence[str]) -> None:
    """The staged file must carry exactly STAGED_HEADER (the crawler keeps the names in lower case).
    Anything else is not a file on-upload staged: the job stops rather than guess."""
    if [c.strip().upper() for c in columns] != [h.upper() for h in STAGED_HEADER]:
        raise JobError(
            "the staged file's header is not the one on-upload writes "
            "(contracts/job-arguments.json stagedFile): expected "
            f"{', '.join(STAGED_HEADER)}; found {', '.join(columns) or 'no columns'}"
        )


def transit_frame(rows: DataFrame, import_id: int) -> DataFrame:
    """The transit rows of a staged file read as ``rows`` (one string column per header cell):
    import_id, line_no (the staged QDP_LINE_NO: the uploaded file's line or .xlsx row, as the
    TypeScript reader reports it), then the contract's columns, by position."""
    check_staged_header(rows.columns)
    line_column, *value_columns = rows.columns
    text = F.trim(F.col(line_column))
    return rows.select(
        F.lit(import_id).cast("long").alias("import_id"),
        # Not a positive integer below 2^31 -> NULL, which check_line_numbers refuses.
        F.when(
            text.rlike(r"^[1-9][0-9]{0,9}$") & (text.cast("long") <= 2147483647),
            text.cast("int"),
        ).alias("line_no"),
        *[
            F.col(source).cast("string").alias(column)
            for source, column in zip(value_columns, TRANSIT_COLUMNS, strict=True)
        ],
    )


def check_text_columns(rows: DataFrame) -> None:
    """Every contract column must reach the job as text: a crawler that typed one (023091 read as
    the number 23091, a phone number as a bigint) has already changed its values, so the job stops
    rather than load them. The crawler's CSV classifier must read every column as a string."""
    typed = [
        f"{name} ({data_type})" for name, data_type in rows.dtypes[1:] if data_type != "string"
    ]
    if typed:
        raise JobError(
            "the Data Catalog typed columns of the staged file that must be text: "
            + ", ".join(typed)
            + " (the crawler's CSV classifier must read every column as a string)"
        )


def check_line_numbers(transit: DataFrame) -> None:
    """Every line number must be a positive integer (the staged file's own column may not be)."""
    bad = transit.filter(F.col("line_no").isNull()).count()
    if bad:
        raise JobError(
            f"the staged file's {STAGED_FILE['lineNumberColumn']} is not a positive integer on {bad} rows"
        )


def transit_table(import_id: int) -> str:
    if not isinstance(import_id, int) or import_id <= 0:
        raise JobError(f"import id must be a positive integer, got {import_id!r}")
    return f"qdp.transit_{import_id}"


def parse_import_id(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,18}", text or ""):
        raise JobError(f"run property import id must be a positive integer, got {text!r}")
    return int(text)


@dataclass
class ImportResult:
    import_id: int
    status: str
    rows_written: int


def run_import(
    spark: SparkSession,
    rows: DataFrame | Callable[[], DataFrame],
    import_id: int,
    database: JdbcTarget,
    batch_size: int = DEFAULT_JDBC_BATCH_SIZE,
) -> ImportResult:
    """Loads one staged file and has the database reconcile it; returns the import's status.

    The Glue job's part of the import protocol (contracts/import-protocol.json, ``paths.glue``;
    core/import-protocol.ts makes the same calls in local mode): load -> qdp.mark_loaded ->
    qdp.reconcile_import; any error -> qdp.fail_import. test/glue/test_import_protocol.py
    records the calls and compares them with that list.

    ``rows`` is the staged file's frame, or a function that reads it (so that a failed read, such
    as a missing catalog table, fails the import too). Steps, each re-runnable (a Glue retry of
    the same run converges):
    1. the import must be 'loading' (or 'loaded': an earlier attempt died before reconciling,
       so only step 4 runs);
    2. load: the staged file's shape is checked (on-upload's header, every contract column
       text: anything else fails the import, nothing written), the transit partition is emptied
       (rows of a killed attempt) and Spark's JDBC writer appends the rows to qdp.transit_<id>;
    3. one transaction: the partition holds exactly the rows written, qdp.mark_loaded;
    4. one transaction: qdp.reconcile_import (publish or hold).
    Any error after step 1 ends the import with qdp.fail_import and is raised again.
    """
    table = transit_table(import_id)
    with JdbcSession(spark, database) as db:
        status = _status(db, import_id)
        if status not in ("loading", "loaded"):
            raise JobError(
                f"import {import_id} is {status}, the import job loads only a loading import"
            )
        try:
            if status == "loaded":
                return ImportResult(import_id, _reconcile(db, import_id), 0)
            if callable(rows):
                rows = rows()
            written = load_transit(db, rows, import_id, database, batch_size)
            with db.transaction():
                (in_table,) = db.query(f"select count(*) from {table}")[0]
                if in_table != written:
                    raise JobError(f"{table} holds {in_table} rows, the job wrote {written}")
                db.query("select qdp.mark_loaded(?)", [import_id])
            return ImportResult(import_id, _reconcile(db, import_id), written)
        except Exception as error:
            reason = database_error_message(error)
            # The database may be what failed: the import then stays loading, and a retry converges.
            with contextlib.suppress(Exception):
                db.query("select qdp.fail_import(?, ?)", [import_id, f"import failed: {reason}"])
            raise


def load_transit(
    db: JdbcSession,
    rows: DataFrame,
    import_id: int,
    database: JdbcTarget,
    batch_size: int,
) -> int:
    """The protocol's load step: checks the staged file's shape (its header, every contract column
    text), empties qdp.transit_<id> and appends the file's rows with Spark's JDBC writer; returns
    how many rows it wrote."""
    check_staged_header(rows.columns)
    check_text_columns(rows)
    table = transit_table(import_id)
    db.execute(f"truncate {table}")
    transit = transit_frame(rows, import_id).persist()
    try:
        written = transit.count()
        check_line_numbers(transit)
        (
            transit.write.format("jdbc")
            .options(**database.spark_options())
            .option("dbtable", table)
            .option("batchsize", str(batch_size))
            .mode("append")
            .save()
        )
    finally:
        transit.unpersist()
    return written


def _reconcile(db: JdbcSession, import_id: int) -> str:
    """qdp.reconcile_import in its own transaction (publish or hold); the import's status."""
    with db.transaction():
        (outcome,) = db.query("select qdp.reconcile_import(?)", [import_id])[0]
    return outcome


def _status(db: JdbcSession, import_id: int) -> str:
    rows = db.query("select status from qdp.imports where id = ?", [import_id])
    if not rows:
        raise JobError(f"import {import_id} does not exist")
    return rows[0][0]


@dataclass(frozen=True)
class CatalogTable:
    name: str
    location: str
    partition_keys: tuple[str, ...] = ()


def find_catalog_table(tables: Sequence[CatalogTable], bucket: str, key: str) -> tuple[str, str]:
    """The Data Catalog table holding the staged object s3://bucket/key, and the push-down
    predicate selecting its partition ('' when the table is the object's folder itself).

    The crawler makes either one table per folder (location = the object's folder) or one
    partitioned table over the staging prefix (location = a parent folder, one partition key per
    folder level below it: Hive-style ``k=v`` folders or positional ``partition_0``...)."""
    folder = f"s3://{bucket}/{key.rsplit('/', 1)[0]}/" if "/" in key else f"s3://{bucket}/"
    matches: list[tuple[str, str]] = []
    for table in tables:
        location = table.location if table.location.endswith("/") else table.location + "/"
        if location == folder:
            matches.append((table.name, ""))
        elif folder.startswith(location) and table.partition_keys:
            levels = folder[len(location) :].strip("/").split("/")
            if len(levels) != len(table.partition_keys):
                continue
            terms = []
            for name, level in zip(table.partition_keys, levels, strict=True):
                value = level.split("=", 1)[1] if "=" in level else level
                terms.append(f"{name} = '{value.replace(chr(39), chr(39) * 2)}'")
            matches.append((table.name, " and ".join(terms)))
    if len(matches) != 1:
        names = ", ".join(name for name, _ in matches) or "none"
        raise JobError(
            f"expected one Data Catalog table for s3://{bucket}/{key}, found {len(matches)} ({names}): did the crawler run?"
        )
    return matches[0]


def parse_arguments(argv: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """This job's run arguments (contracts/job-arguments.json, jobs.import) through awsglue's
    getResolvedOptions: Glue's resolved dict and our arguments by key."""
    return parse_job_arguments("import", argv)


def main(argv: list[str]) -> None:  # pragma: no cover - runs only inside AWS Glue
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from pyspark.context import SparkContext

    resolved, arguments = parse_arguments(argv)
    properties_names = load_declaration("job-arguments.json")["runProperties"]
    glue = boto3.client("glue")
    properties = glue.get_workflow_run_properties(
        Name=resolved["WORKFLOW_NAME"], RunId=resolved["WORKFLOW_RUN_ID"]
    )["RunProperties"]
    missing = [
        name
        for key, name in properties_names.items()
        if not key.startswith("$") and name not in properties
    ]
    if missing:
        raise JobError(f"workflow run properties missing: {', '.join(missing)}")
    import_id = parse_import_id(properties[properties_names["importId"]])

    context = GlueContext(SparkContext.getOrCreate())
    job = Job(context)
    job.init(resolved["JOB_NAME"], resolved)
    tables = []
    for page in glue.get_paginator("get_tables").paginate(
        DatabaseName=arguments["catalogDatabase"]
    ):
        for table in page["TableList"]:
            tables.append(
                CatalogTable(
                    table["Name"],
                    table.get("StorageDescriptor", {}).get("Location", ""),
                    tuple(k["Name"] for k in table.get("PartitionKeys", [])),
                )
            )

    def read_staged() -> DataFrame:
        table_name, predicate = find_catalog_table(
            tables,
            properties[properties_names["stagedBucket"]],
            properties[properties_names["stagedKey"]],
        )
        frame = context.create_dynamic_frame.from_catalog(
            database=arguments["catalogDatabase"],
            table_name=table_name,
            push_down_predicate=predicate,
            # Quoted fields may hold newlines (an address on two lines): read records, not lines.
            additional_options={"multiLine": True},
            transformation_ctx="staged",
        )
        rows = frame.toDF()
        if predicate:  # partition columns are not file columns
            rows = rows.drop(*[t.partition_keys for t in tables if t.name == table_name][0])
        return rows

    database = JdbcTarget.from_glue_conf(context.extract_jdbc_conf(arguments["databaseConnection"]))
    result = run_import(
        context.spark_session, read_staged, import_id, database, int(arguments["jdbcBatchSize"])
    )
    # No personal data here: ids and counts only.
    print(f"import {result.import_id}: {result.status}, {result.rows_written} rows written")
    job.commit()


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv)
