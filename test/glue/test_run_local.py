"""glue/run_local.py: the import job's logic from the command line (what the emulator tests run
where MiniStack stops), on a staged file shaped as on-upload writes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_import_database import _outcome, _qdp, _register, _stage, _synth

from qdp_glue import JdbcSession

pytestmark = pytest.mark.database

ROOT = Path(__file__).resolve().parents[2]


def _run_local(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "glue" / "run_local.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_imports_a_staged_file_like_the_typescript_importer(spark, new_database, tmp_path):
    typescript, glue = new_database(), new_database()
    upload = _synth(tmp_path, 1, rows=40, bad_share="0.1")
    # A comma and a doubled quote inside values: the staged CSV must quote them.
    text = upload.read_text(encoding="utf-8").splitlines()
    fields = text[3].split(";")
    fields[7] = 'VIA "DEI MILLE", 3'
    text[3] = ";".join(fields)
    upload.write_text("\n".join(text) + "\n", encoding="utf-8")
    staged = tmp_path / "staged.csv"
    _stage(upload, staged)

    printed = json.loads(_qdp("import", str(upload), "--json", database_url=typescript.url))
    import_id = _register(spark, glue.jdbc, upload)
    done = _run_local(
        "import", "--staged", str(staged), "--import-id", str(import_id), "--database-url", glue.url
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "importId": import_id,
        "status": printed["status"],
        "rowsWritten": 40,
    }
    assert _outcome(spark, glue.jdbc, import_id) == _outcome(
        spark, typescript.jdbc, int(printed["importId"])
    )
    with JdbcSession(spark, glue.jdbc) as db:
        assert db.query(
            f"select indirizzo_residenza from qdp.transit_{import_id} where line_no = 4"
        ) == [('VIA "DEI MILLE", 3',)]


def test_errors_are_one_line_and_exit_1(database, tmp_path):
    staged = tmp_path / "staged.csv"
    staged.write_text("QDP_LINE_NO,CODICE_FISCALE\n2,X\n", encoding="utf-8")
    done = _run_local(
        "import", "--staged", str(staged), "--import-id", "999999", "--database-url", database.url
    )
    assert (done.returncode, done.stdout, done.stderr.strip().splitlines()[-1]) == (
        1,
        "",
        "run_local: import 999999 does not exist",
    )
