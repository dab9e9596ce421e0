"""Glue import job: staged daily file -> qdp.transit_<import id> -> the database's reconciliation.

The file's rows are read through the Data Catalog table that the crawler (CSV classifier) made,
their header mapped with contracts/daily-file.json (the declaration the TypeScript reader
uses), written to the import's transit partition through the JDBC connection, and then the
database is asked to mark the import loaded and to reconcile it (qdp.mark_loaded,
qdp.reconcile_import: the SQL of the import core; no rule of the daily file is checked here).
A header that cannot be loaded rejects the import (qdp.reject_import) before any row is written.

Only ``main`` touches awsglue/boto3; everything else runs on a plain SparkSession.
"""

from __future__ import annotations

import contextlib
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import DataFrame, SparkSession, Window
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

_STRIP = re.compile(r"[\s_.\-]")


def normalise_header(text: str) -> str:
    """The contract's header normalisation (headerMatching.rule): accents, case, spaces, tabs,
    underscores, dots and hyphens do not matter; a BOM is ignored."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not ("\u0300" <= c <= "\u036f") and c != "\ufeff")
    return _STRIP.sub("", kept.upper())


def _field_index() -> dict[str, int]:
    index: dict[str, int] = {}
    for position, spec in enumerate(FIELDS):
        for name in [spec["header"], *spec["aliases"]]:
            key = normalise_header(name)
            if index.get(key, position) != position:
                raise JobError(f"contract: {name!r} matches two fields")
            index[key] = position
    return index


_FIELD_BY_NAME = _field_index()


@dataclass
class HeaderDuplicate:
    field: str
    headers: list[str]


@dataclass
class HeaderMapping:
    """As contracts/daily-file.ts mapHeader: for each file column the index of its field (transit column
    order) or None; the fields found, the required ones missing, the cells not recognised."""

    columns: list[int | None] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    duplicates: list[HeaderDuplicate] = field(default_factory=list)


def map_header(headers: Sequence[str]) -> HeaderMapping:
    mapping = HeaderMapping()
    seen: dict[int, list[str]] = {}
    for header in headers:
        index = _FIELD_BY_NAME.get(normalise_header(header))
        if index is None:
            mapping.columns.append(None)
            if header.strip():
                mapping.unrecognised.append(header.strip())
            continue
        if index in seen:
            seen[index].append(header.strip())
            mapping.columns.append(None)
            continue
        seen[index] = [header.strip()]
        mapping.columns.append(index)
        mapping.found.append(FIELDS[index]["header"])
    mapping.missing = [f["header"] for i, f in enumerate(FIELDS) if f["required"] and i not in seen]
    mapping.duplicates = [
        HeaderDuplicate(FIELDS[i]["header"], written)
        for i, written in sorted(seen.items())
        if len(written) > 1
    ]
    return mapping


def _quoted(text: str) -> str:
    return '"' + text + '"'


def header_problem(mapping: HeaderMapping) -> str | None:
    """The file-level reason (same text as contracts/daily-file.ts headerProblem), or None."""
    if mapping.duplicates:
        return "; ".join(
            f"column {d.field} appears more than once (as {', '.join(_quoted(h) for h in d.headers)})"
            for d in mapping.duplicates
        )
    if mapping.missing:
        unrecognised = (
            f"; not recognised: {', '.join(mapping.unrecognised)}" if mapping.unrecognised else ""
        )
        found = ", ".join(mapping.found) or "none"
        return (
            f"missing required columns: {', '.join(mapping.missing)} (found: {found}{unrecognised})"
        )
    return None


def line_number_column(headers: Sequence[str]) -> int | None:
    """The position of the staged file's line-number column (stagedFile.lineNumberColumn), if
    any. It is not a contract field: map_header gets the other headers only."""
    wanted = normalise_header(STAGED_FILE["lineNumberColumn"])
    found = [i for i, header in enumerate(headers) if normalise_header(header) == wanted]
    if len(found) > 1:
        raise JobError(
            f"the staged file has {len(found)} {STAGED_FILE['lineNumberColumn']} columns"
        )
    return found[0] if found else None


def file_header(headers: Sequence[str]) -> list[str]:
    """The header cells that map_header reads: the line-number column blanked (ignored)."""
    line_column = line_number_column(headers)
    return ["" if i == line_column else h for i, h in enumerate(headers)]


def transit_frame(rows: DataFrame, mapping: HeaderMapping, import_id: int) -> DataFrame:
    """The transit rows of a file read as ``rows`` (one string column per file column, in file
    order and record order): import_id, line_no, then the contract's columns (NULL for an
    optional column the file lacks).

    line_no is the staged file's line-number column when it has one (the uploaded file's line,
    from on-upload). Otherwise it is the record's first physical line in the file, as the
    TypeScript reader counts it (header = 1): the record order plus the newlines inside earlier
    quoted fields. Record order is the order of Spark's partitions and of the rows inside each (a
    single file's splits are read in offset order); monotonically_increasing_id encodes both.
    """
    file_columns = rows.columns
    if len(file_columns) != len(mapping.columns):
        raise JobError(
            f"the frame has {len(file_columns)} columns, the header mapping {len(mapping.columns)}"
        )
    by_field = {
        index: f"_c{position}"
        for position, index in enumerate(mapping.columns)
        if index is not None
    }
    values = [
        (F.col(by_field[i]) if i in by_field else F.lit(None).cast("string")).alias(column)
        for i, column in enumerate(TRANSIT_COLUMNS)
    ]
    line_column = line_number_column(file_columns)
    if line_column is not None:
        renamed = rows.select(
            *[F.col(c).cast("string").alias(f"_c{i}") for i, c in enumerate(file_columns)]
        )
        text = F.trim(F.col(f"_c{line_column}"))
        return renamed.select(
            F.lit(import_id).cast("long").alias("import_id"),
            # Not a positive integer below 2^31 -> NULL, which check_line_numbers refuses.
            F.when(
                text.rlike(r"^[1-9][0-9]{0,9}$") & (text.cast("long") <= 2147483647),
                text.cast("int"),
            ).alias("line_no"),
            *values,
        )
    newlines = [
        F.coalesce(F.length(F.col(c)) - F.length(F.regexp_replace(F.col(c), "\n", "")), F.lit(0))
        for c in file_columns
    ]
    ordered = rows.select(
        F.spark_partition_id().alias("_part"),
        F.monotonically_increasing_id().alias("_id"),
        (F.lit(1) + sum(newlines, F.lit(0))).alias("_lines"),
        *[F.col(c).cast("string").alias(f"_c{i}") for i, c in enumerate(file_columns)],
    )
    within = Window.partitionBy("_part").orderBy("_id").rowsBetween(Window.unboundedPreceding, -1)
    ordered = ordered.withColumn("_before", F.coalesce(F.sum("_lines").over(within), F.lit(0)))
    # Lines in each earlier partition: a handful of numbers, computed on the driver.
    totals = sorted(ordered.groupBy("_part").agg(F.sum("_lines").alias("n")).collect())
    offsets, running = [], 0
    for row in totals:
        offsets.append((row["_part"], running))
        running += row["n"]
    spark = rows.sparkSession
    offset_frame = spark.createDataFrame(offsets or [(0, 0)], "_part int, _offset long")
    ordered = ordered.join(F.broadcast(offset_frame), "_part")

    return ordered.select(
        F.lit(import_id).cast("long").alias("import_id"),
        (F.lit(2) + F.col("_offset") + F.col("_before")).cast("int").alias("line_no"),
        *values,
    )


def check_text_columns(rows: DataFrame, mapping: HeaderMapping) -> None:
    """Every contract column must reach the job as text: a crawler that typed one (023091 read as
    the number 23091, a phone number as a bigint) has already changed its values, so the job stops
    rather than load them. The crawler's CSV classifier must read every column as a string."""
    typed = [
        f"{name} ({data_type})"
        for (name, data_type), index in zip(rows.dtypes, mapping.columns, strict=True)
        if index is not None and data_type != "string"
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
    qdp.reconcile_import; a header that cannot be mapped -> qdp.reject_import before any row is
    written; any other error -> qdp.fail_import. test/glue/test_import_protocol.py records the
    calls and compares them with that list.

    ``rows`` is the staged file's frame, or a function that reads it (so that a failed read, such
    as a missing catalog table, fails the import too). Steps, each re-runnable (a Glue retry of
    the same run converges):
    1. the import must be 'loading' (or 'loaded': an earlier attempt died before reconciling,
       so only step 5 runs);
    2. header mismatch -> qdp.reject_import, nothing written;
    3. load: the transit partition is emptied (rows of a killed attempt) and Spark's JDBC writer
       appends the rows to qdp.transit_<id>;
    4. one transaction: the partition holds exactly the rows written, qdp.mark_loaded;
    5. one transaction: qdp.reconcile_import (publish or hold).
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
            mapping = map_header(file_header(rows.columns))
            problem = header_problem(mapping)
            if problem is not None:
                db.query("select qdp.reject_import(?, ?)", [import_id, problem])
                return ImportResult(import_id, "rejected", 0)
            check_text_columns(rows, mapping)
            written = load_transit(db, rows, mapping, import_id, database, batch_size)
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
    mapping: HeaderMapping,
    import_id: int,
    database: JdbcTarget,
    batch_size: int,
) -> int:
    """The protocol's load step: empties qdp.transit_<id>, appends the file's rows with Spark's
    JDBC writer; returns how many rows it wrote."""
    table = transit_table(import_id)
    db.execute(f"truncate {table}")
    transit = transit_frame(rows, mapping, import_id).persist()
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
