"""The Glue import job makes its part of the import protocol in the order
contracts/import-protocol.json states (``paths.glue``), the same lists test/core/import-protocol.test.ts
holds the TypeScript paths to: each call of a protocol function is recorded (the job's own checks,
its status and row-count queries, are not protocol steps), and ``load`` when the staged file is
checked and its rows written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_import_database import _read_staged, _register, _synth

import import_job
from qdp_glue import JdbcSession, JobError

pytestmark = pytest.mark.database

PROTOCOL = json.loads(
    (Path(__file__).resolve().parents[2] / "contracts" / "import-protocol.json").read_text(
        encoding="utf-8"
    )
)
GLUE_PATHS = PROTOCOL["paths"]["glue"]


@pytest.fixture()
def recorded(monkeypatch) -> list[str]:
    """The protocol steps run_import makes, in order."""
    steps: list[str] = []
    by_function = {function: step for step, function in PROTOCOL["functions"].items()}

    class RecordingSession(JdbcSession):
        def query(self, sql, params=()):
            steps.extend(step for function, step in by_function.items() if f"{function}(" in sql)
            return super().query(sql, params)

    load = import_job.load_transit

    def recording_load(*args, **kwargs):
        steps.append("load")
        return load(*args, **kwargs)

    monkeypatch.setattr(import_job, "JdbcSession", RecordingSession)
    monkeypatch.setattr(import_job, "load_transit", recording_load)
    return steps


def test_a_loadable_file_is_loaded_marked_loaded_and_reconciled(
    spark, database, tmp_path, recorded
):
    path = _synth(tmp_path, 1, rows=20, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    result = import_job.run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    assert (result.status, result.rows_written) == ("published", 20)
    assert recorded == GLUE_PATHS["reconciled"] == ["load", "markLoaded", "reconcile"]


def test_a_file_not_staged_by_on_upload_fails_in_the_load_step(spark, database, tmp_path, recorded):
    path = _synth(tmp_path, 1, rows=10, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    uploaded = spark.read.csv(str(path), header=True, sep=";")  # the upload, not its staged form
    with pytest.raises(JobError, match="^the staged file's header is not the one on-upload writes"):
        import_job.run_import(spark, uploaded, import_id, database.jdbc)
    assert recorded == GLUE_PATHS["failed"] == ["load", "fail"]


def test_an_error_while_loading_fails_the_import(spark, database, tmp_path, recorded):
    path = _synth(tmp_path, 1, rows=10, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    with JdbcSession(spark, database.jdbc) as db:
        db.execute(f"drop table qdp.transit_{import_id}")
    with pytest.raises(Exception, match="does not exist"):
        import_job.run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    assert recorded == GLUE_PATHS["failed"] == ["load", "fail"]
