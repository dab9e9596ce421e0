"""The import job against the real test PostgreSQL: the JDBC write of the transit table and the
database's own reconciliation, compared with the TypeScript importer on the same files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from py4j.protocol import Py4JJavaError

from import_job import STAGED_HEADER, run_import, transit_frame
from qdp_glue import JdbcSession, JobError

pytestmark = pytest.mark.database

ROOT = Path(__file__).resolve().parents[2]
NODE = os.environ.get("QDP_NODE", "node")


def _qdp(*args: str, database_url: str | None = None) -> str:
    env = {**os.environ}
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [NODE, str(ROOT / "bin" / "qdp.js"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode not in (0, 2):
        raise AssertionError(f"qdp {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def _synth(tmp_path: Path, day: int, rows: int = 300, bad_share: str = "0.1") -> Path:
    out = tmp_path / f"day{day}.csv"
    _qdp(
        "synth",
        "--rows",
        str(rows),
        "--seed",
        "glue",
        "--day",
        str(day),
        "--bad-share",
        bad_share,
        "--out",
        str(out),
    )
    return out


def _register(spark, target, path: Path) -> int:
    """What on-upload does through the Data API."""
    data = path.read_bytes()
    with JdbcSession(spark, target) as db:
        ((import_id, status),) = db.query(
            "select import_id, status from qdp.register_import(?, ?, ?)",
            [path.name, hashlib.sha256(data).hexdigest(), len(data)],
        )
    assert status == "loading"
    return import_id


def _read_staged(spark, upload: Path):
    """The staged form of an uploaded file (staged exactly as on-upload stages it, _stage) as the
    Data Catalog read gives it."""
    from run_local import read_staged

    staged = upload.with_name(f"{upload.stem}.staged.csv")
    if not staged.exists():
        _stage(upload, staged)
    return read_staged(spark, str(staged))


def _outcome(spark, target, import_id):
    with JdbcSession(spark, target) as db:
        (imported,) = db.query(
            "select status, rows_total, rows_accepted, rows_rejected, error from qdp.imports where id = ?",
            [import_id],
        )
        rejects = db.query(
            "select line_no, field, reason from qdp.rejects where import_id = ? order by line_no, field, reason",
            [import_id],
        )
        quarantines = db.query(
            "select line_no, fiscal_code, surname, name, sex, birth_date::text, residence_istat, "
            "residence_name, address, phone, gp_code, gp_name, reason, start_date::text, "
            "end_date::text, change from qdp.quarantines where import_id = ? order by line_no",
            [import_id],
        )
        latest = db.query("select qdp.latest_import_id() = ?", [import_id])[0][0]
    return {"import": imported, "rejects": rejects, "quarantines": quarantines, "latest": latest}


def test_two_days_end_as_with_the_typescript_importer(spark, new_database, tmp_path):
    typescript, glue = new_database(), new_database()
    for day in (1, 2):
        path = _synth(tmp_path, day)
        printed = json.loads(_qdp("import", str(path), "--json", database_url=typescript.url))
        import_id = _register(spark, glue.jdbc, path)
        result = run_import(spark, _read_staged(spark, path), import_id, glue.jdbc)
        assert (result.status, result.rows_written) == ("published", 300)
        expected = _outcome(spark, typescript.jdbc, int(printed["importId"]))
        actual = _outcome(spark, glue.jdbc, import_id)
        assert actual == expected
        assert actual["import"][:2] == ("published", 300)
        assert len(actual["rejects"]) > 0 and len(actual["quarantines"]) > 200
        assert actual["latest"] is True
    changes = {row[-1] for row in actual["quarantines"]}
    assert "new" in changes and changes & {"unchanged", "extended", "shortened"}


def test_a_file_not_staged_by_on_upload_fails_the_import_before_writing(spark, database, tmp_path):
    # The uploaded file itself (its own header, ';'): the job checks on-upload's staged shape and
    # never maps an uploaded file's header again.
    path = _synth(tmp_path, 1, rows=20, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    uploaded = spark.read.csv(str(path), header=True, multiLine=True, sep=";")
    with pytest.raises(JobError, match="^the staged file's header is not the one on-upload writes"):
        run_import(spark, uploaded, import_id, database.jdbc)
    status, *_, error = _outcome(spark, database.jdbc, import_id)["import"]
    assert status == "failed"
    assert error == (
        "import failed: the staged file's header is not the one on-upload writes "
        "(contracts/job-arguments.json stagedFile): expected "
        f"{', '.join(STAGED_HEADER)}; found {', '.join(uploaded.columns)}"
    )
    with JdbcSession(spark, database.jdbc) as db:
        assert db.query(f"select count(*) from qdp.transit_{import_id}") == [(0,)]


def test_a_retried_run_replaces_the_rows_of_a_killed_attempt(spark, database, tmp_path):
    path = _synth(tmp_path, 1, rows=50, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    with JdbcSession(spark, database.jdbc) as db:
        db.query(
            f"insert into qdp.transit_{import_id} (import_id, line_no, codice_fiscale) "
            "select ?, g, 'LEFTOVER' from generate_series(2, 40) g",
            [import_id],
        )
    result = run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    assert result.status == "published"
    outcome = _outcome(spark, database.jdbc, import_id)
    assert outcome["import"][:4] == ("published", 50, 50, 0)
    assert len(outcome["quarantines"]) == 50


def test_only_a_loading_import_is_loaded(spark, database, tmp_path):
    path = _synth(tmp_path, 1, rows=10, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    with pytest.raises(
        JobError,
        match=f"import {import_id} is published, the import job loads only a loading import",
    ):
        run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    with pytest.raises(JobError, match="import 999999 does not exist"):
        run_import(spark, _read_staged(spark, path), 999999, database.jdbc)
    assert _outcome(spark, database.jdbc, import_id)["import"][0] == "published"


def test_a_database_error_fails_the_import_with_its_reason(spark, database, tmp_path):
    path = _synth(tmp_path, 1, rows=10, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    with JdbcSession(spark, database.jdbc) as db:
        db.execute(f"drop table qdp.transit_{import_id}")
    with pytest.raises(Py4JJavaError, match="does not exist"):
        run_import(spark, _read_staged(spark, path), import_id, database.jdbc)
    status, _, _, _, error = _outcome(spark, database.jdbc, import_id)["import"]
    assert status == "failed"
    assert error == f'import failed: relation "qdp.transit_{import_id}" does not exist'


def _stage(upload: Path, staged: Path) -> None:
    """The staged CSV exactly as on-upload writes it (test/glue/stage.ts)."""
    done = subprocess.run(
        [
            NODE,
            "--import",
            "tsx",
            str(ROOT / "test" / "glue" / "stage.ts"),
            str(upload),
            str(staged),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _compare_staged(spark, new_database, upload: Path):
    """Imports `upload` with the TypeScript importer, and its on-upload staged form with the Glue
    job; returns both outcomes."""
    typescript, glue = new_database(), new_database()
    printed = json.loads(_qdp("import", str(upload), "--json", database_url=typescript.url))
    import_id = _register(spark, glue.jdbc, upload)
    run_import(spark, _read_staged(spark, upload), import_id, glue.jdbc)
    return _outcome(spark, glue.jdbc, import_id), _outcome(
        spark, typescript.jdbc, int(printed["importId"])
    )


def test_an_uploaded_csv_with_blank_lines_and_line_breaks_staged_by_on_upload(
    spark, new_database, tmp_path
):
    """Blank lines, a quoted line break and quotes in the uploaded file: every reject of the Glue
    import (from on-upload's staged CSV) names the same line as the TypeScript importer's."""
    source = _synth(tmp_path, 1, rows=30, bad_share="0.3").read_text(encoding="utf-8").splitlines()
    uploaded = [source[0]]
    for index, record in enumerate(source[1:]):
        if index % 7 == 3:
            uploaded.append("")
        fields = record.split(";")
        if index == 5:
            fields[7] = '"' + fields[7] + '\nSCALA ""B"""'
        uploaded.append(";".join(fields))
    upload = tmp_path / "upload.csv"
    upload.write_text("\n".join(uploaded) + "\n", encoding="utf-8")
    actual, expected = _compare_staged(spark, new_database, upload)
    assert actual == expected
    assert len(actual["rejects"]) >= 5
    assert max(r[0] for r in actual["rejects"]) > 32  # lines moved by the blank lines


def test_an_uploaded_xlsx_staged_by_on_upload(spark, new_database, tmp_path):
    upload = tmp_path / "day1.xlsx"
    _qdp(
        "synth",
        "--rows",
        "80",
        "--seed",
        "glue-xlsx",
        "--day",
        "1",
        "--bad-share",
        "0.15",
        "--format",
        "xlsx",
        "--out",
        str(upload),
    )
    actual, expected = _compare_staged(spark, new_database, upload)
    assert actual == expected
    assert actual["import"][:2] == ("published", 80)
    assert len(actual["rejects"]) > 0


def test_a_retry_after_the_load_only_reconciles(spark, database, tmp_path):
    # An earlier attempt wrote the rows and marked the import loaded, then died.
    path = _synth(tmp_path, 1, rows=20, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    (
        transit_frame(_read_staged(spark, path), import_id)
        .write.format("jdbc")
        .options(**database.jdbc.spark_options())
        .option("dbtable", f"qdp.transit_{import_id}")
        .mode("append")
        .save()
    )
    with JdbcSession(spark, database.jdbc) as db:
        db.query("select qdp.mark_loaded(?)", [import_id])

    def not_read():
        raise AssertionError("the staged file must not be read again")

    result = run_import(spark, not_read, import_id, database.jdbc)
    assert (result.status, result.rows_written) == ("published", 0)
    assert _outcome(spark, database.jdbc, import_id)["import"][:3] == ("published", 20, 20)


def test_a_failed_read_fails_the_import(spark, database, tmp_path):
    path = _synth(tmp_path, 1, rows=5, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    missing = "expected one Data Catalog table for s3://b/staging/1/f.csv, found 0 (none)"

    def no_table():
        raise JobError(missing)

    with pytest.raises(JobError, match="^expected one Data Catalog table"):
        run_import(spark, no_table, import_id, database.jdbc)
    status, *_, error = _outcome(spark, database.jdbc, import_id)["import"]
    assert (status, error) == ("failed", f"import failed: {missing}")


def test_a_catalog_that_typed_the_columns_fails_the_import_before_writing(
    spark, database, tmp_path
):
    path = _synth(tmp_path, 1, rows=10, bad_share="0")
    import_id = _register(spark, database.jdbc, path)
    staged = tmp_path / "staged.csv"
    _stage(path, staged)
    typed = spark.read.csv(str(staged), header=True, inferSchema=True)  # as a crawler would
    with pytest.raises(JobError, match="COD_ISTAT_RESIDENZA \\(int\\), TELEFONO \\(bigint\\)"):
        run_import(spark, typed, import_id, database.jdbc)
    status, *_, error = _outcome(spark, database.jdbc, import_id)["import"]
    assert status == "failed"
    assert error.startswith("import failed: the Data Catalog typed columns of the staged file")
    with JdbcSession(spark, database.jdbc) as db:
        assert db.query(f"select count(*) from qdp.transit_{import_id}") == [(0,)]
