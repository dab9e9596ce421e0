"""Runs a Glue job's logic on this machine, on a local Spark, outside AWS Glue.

For the tests of the import path that stop where the emulator does (MiniStack does not run Spark
jobs: the test runs this instead, then sends the Glue state-change event), and for trying a job by
hand. Not uploaded to Glue.

    python glue/run_local.py import --staged FILE --import-id N --database-url URL
    python glue/run_local.py analytics --database-url URL --redshift-url URL

The staged file is read as the crawler's CSV classifier describes it (contracts/job-arguments.json
stagedFile: header row, comma, double quotes doubled inside quoted fields, records may span
lines). URLs are libpq URLs (postgres://user:password@host:port/database); for analytics the
"Redshift" URL is any PostgreSQL database standing in for it. Prints one JSON object; exit code 0
when the run finished (the import may be published, held or rejected), 1 on error (the reason on
stderr, and for the import job the import is failed as in Glue).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

from qdp_glue import JdbcTarget, JobError  # noqa: E402

# Debian's libpostgresql-jdbc-java (scripts/glue-venv.sh installs it); QDP_JDBC_JAR overrides.
DEFAULT_JDBC_JAR = "/usr/share/java/postgresql.jar"


def local_spark(jdbc_jar: str | None = None) -> SparkSession:
    """A local Spark like a small Glue worker: two cores, the PostgreSQL JDBC driver, UTC."""
    jar = Path(jdbc_jar or os.environ.get("QDP_JDBC_JAR", DEFAULT_JDBC_JAR))
    if not jar.is_file():
        raise JobError(
            f"PostgreSQL JDBC driver not found at {jar}: run scripts/glue-venv.sh "
            "(installs libpostgresql-jdbc-java) or set QDP_JDBC_JAR"
        )
    session = (
        SparkSession.builder.master("local[2]")
        .appName("qdp-glue-local")
        .config("spark.jars", str(jar))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def read_staged(spark: SparkSession, path: str) -> DataFrame:
    """The staged CSV as the Data Catalog read gives it: one string column per header cell."""
    return spark.read.csv(
        path, header=True, multiLine=True, sep=",", quote='"', escape='"', inferSchema=False
    )


def run(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="run_local.py", description=__doc__.split("\n\n")[0])
    jobs = parser.add_subparsers(dest="job", required=True)
    one = jobs.add_parser("import", help="load a staged file into a registered import")
    one.add_argument("--staged", required=True, help="the staged CSV file")
    one.add_argument("--import-id", required=True, help="the import, registered and loading")
    one.add_argument("--database-url", required=True)
    one.add_argument("--batch-size", type=int, default=None)
    other = jobs.add_parser("analytics", help="copy qdp_analytics to another database")
    other.add_argument("--database-url", required=True)
    other.add_argument("--redshift-url", required=True)
    args = parser.parse_args(argv)

    spark = local_spark()
    try:
        database = JdbcTarget.from_postgres_url(args.database_url)
        if args.job == "import":
            from import_job import DEFAULT_JDBC_BATCH_SIZE, parse_import_id, run_import

            if not Path(args.staged).is_file():
                raise JobError(f"staged file not found: {args.staged}")
            result = run_import(
                spark,
                read_staged(spark, args.staged),
                parse_import_id(args.import_id),
                database,
                args.batch_size or DEFAULT_JDBC_BATCH_SIZE,
            )
            return {
                "importId": result.import_id,
                "status": result.status,
                "rowsWritten": result.rows_written,
            }
        from analytics_job import jdbc_writer, run_analytics

        redshift = JdbcTarget.from_postgres_url(args.redshift_url)
        copied = run_analytics(spark, database, jdbc_writer(spark, redshift))
        return {"tables": {c.table: c.rows for c in copied}}
    finally:
        spark.stop()


def main(argv: list[str]) -> int:
    try:
        print(json.dumps(run(argv)))
        return 0
    except Exception as error:  # noqa: BLE001 - one line for the caller, no Java stack
        from qdp_glue import database_error_message

        print(f"run_local: {database_error_message(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
