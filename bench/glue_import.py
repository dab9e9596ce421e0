"""The Python half of bench/glue-import.ts: the Glue import job's steps on a local Spark, timed.

    python bench/glue_import.py STAGED_CSV POSTGRES_URL BATCH_SIZE

Prints one JSON object of seconds: `read` (Spark reads the staged CSV and builds the transit rows:
a count), `write_plain` and `write_rewritten` (the JDBC write of those rows into a transit
partition, PostgreSQL driver's reWriteBatchedInserts off / on), `import` (glue/import_job.py
run_import end to end: write, mark_loaded, reconcile and publish) and its `status`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "glue"))

from import_job import run_import, transit_frame  # noqa: E402
from qdp_glue import JdbcSession, JdbcTarget  # noqa: E402
from run_local import local_spark, read_staged  # noqa: E402


def _register(db: JdbcSession, name: str, data: bytes) -> int:
    digest = hashlib.sha256(data + name.encode()).hexdigest()
    ((import_id,),) = db.query(
        "select import_id from qdp.register_import(?, ?, ?)", [name, digest, len(data)]
    )
    return import_id


def main(staged: str, url: str, batch_size: str) -> None:
    spark = local_spark()
    target = JdbcTarget.from_postgres_url(url)
    data = Path(staged).read_bytes()
    timings: dict[str, object] = {}
    with JdbcSession(spark, target) as db:
        scratch = _register(db, "bench-scratch", data)
        rows = read_staged(spark, staged)
        start = time.perf_counter()
        transit_frame(rows, scratch).count()
        timings["read"] = time.perf_counter() - start
        for key, rewrite in (("write_plain", "false"), ("write_rewritten", "true")):
            db.execute(f"truncate qdp.transit_{scratch}")
            # Read once and kept, as the job does before its write: the write alone is timed.
            frame = transit_frame(rows, scratch).persist()
            frame.count()
            start = time.perf_counter()
            (
                frame.write.format("jdbc")
                .options(**target.spark_options())
                .option("reWriteBatchedInserts", rewrite)
                .option("dbtable", f"qdp.transit_{scratch}")
                .option("batchsize", batch_size)
                .mode("append")
                .save()
            )
            timings[key] = time.perf_counter() - start
            frame.unpersist()
        db.query("select qdp.fail_import(?, 'benchmark scratch')", [scratch])
        measured = _register(db, "bench-import", data)
    start = time.perf_counter()
    result = run_import(spark, read_staged(spark, staged), measured, target, int(batch_size))
    timings["import"] = time.perf_counter() - start
    timings["status"] = result.status
    spark.stop()
    print(json.dumps(timings))


if __name__ == "__main__":
    main(*sys.argv[1:4])
