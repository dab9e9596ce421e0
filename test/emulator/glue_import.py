"""The Glue import job's logic (glue/import_job.py run_import) on a local Spark, for the emulator
tests: the emulator does not run Spark jobs. Reads the staged CSV the way the crawler's CSV
classifier declares it (header, comma, double quotes doubled inside quoted fields, records over
several lines) and runs the job against the test PostgreSQL.

    python glue_import.py STAGED_CSV IMPORT_ID POSTGRES_URL   -> prints {"status": ..., "rows": ...}
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "glue"))

from pyspark.sql import SparkSession  # noqa: E402

from import_job import run_import  # noqa: E402
from qdp_glue import JdbcTarget  # noqa: E402

JDBC_JAR = Path(os.environ.get("QDP_JDBC_JAR", "/usr/share/java/postgresql.jar"))


def main(staged: str, import_id: str, url: str) -> None:
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("qdp-emulator-import")
        .config("spark.jars", str(JDBC_JAR))
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        rows = spark.read.csv(staged, header=True, multiLine=True, quote='"', escape='"')
        result = run_import(spark, rows, int(import_id), JdbcTarget.from_postgres_url(url))
        print(json.dumps({"status": result.status, "rows": result.rows_written}))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:4])
