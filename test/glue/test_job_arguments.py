"""contracts/job-arguments.json is the contract between the scripts, infra/ and on-upload: the scripts
read exactly the arguments it declares for them (infra's side: job-arguments.test.ts)."""

import json
import re
from pathlib import Path

import pytest

from qdp_glue import JdbcTarget, JobError, job_argument_names, load_declaration, resolved_arguments

ROOT = Path(__file__).resolve().parents[2]
DECLARED = json.loads((ROOT / "contracts" / "job-arguments.json").read_text(encoding="utf-8"))


def _source(job):
    return (ROOT / DECLARED["jobs"][job]["script"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("job", ["import", "analytics"])
def test_each_script_reads_exactly_its_declared_arguments(job):
    read = set(re.findall(r'arguments\["(\w+)"\]', _source(job)))
    assert read == set(DECLARED["jobs"][job]["arguments"])


@pytest.mark.parametrize("job", ["import", "analytics"])
def test_glue_arguments_read_are_declared(job):
    read = set(re.findall(r'resolved\["(\w+)"\]', _source(job)))
    declared = {name.removeprefix("--") for name in DECLARED["jobs"][job]["glueArguments"]}
    assert read == declared


def test_run_properties_read_by_the_import_job_are_declared():
    read = set(re.findall(r'properties_names\["(\w+)"\]', _source("import")))
    assert read == {"importId", "stagedBucket", "stagedKey"}
    assert read <= set(DECLARED["runProperties"])


def test_argument_names_for_get_resolved_options():
    assert job_argument_names("import") == [
        "qdp_catalog_database",
        "qdp_database_connection",
        "qdp_jdbc_batch_size",
        "WORKFLOW_NAME",
        "WORKFLOW_RUN_ID",
        "JOB_NAME",
    ]
    assert job_argument_names("analytics") == [
        "qdp_database_connection",
        "qdp_redshift_connection",
        "JOB_NAME",
    ]
    resolved = {
        "qdp_database_connection": "p-aurora",
        "qdp_redshift_connection": "p-redshift",
        "JOB_NAME": "p-analytics",
    }
    assert resolved_arguments("analytics", resolved) == {
        "databaseConnection": "p-aurora",
        "redshiftConnection": "p-redshift",
    }


@pytest.mark.parametrize("job", ["import", "analytics"])
def test_files_beside_each_script_exist_and_cover_its_imports(job):
    spec = DECLARED["jobs"][job]
    for relative in [spec["script"], *spec["extraFiles"], *spec["extraPyFiles"]]:
        assert (ROOT / relative).is_file(), relative
    local_modules = {p.stem for p in (ROOT / "glue").glob("*.py")}
    imported = set(re.findall(r"^\s*from (\w+) import", _source(job), re.M)) & local_modules
    assert imported == {Path(f).stem for f in spec["extraPyFiles"]}
    declarations = set(re.findall(r'load_declaration\("([\w.-]+)"\)', _source(job)))
    assert declarations <= {Path(f).name for f in spec["extraFiles"]}


def test_a_missing_declaration_says_what_to_upload(monkeypatch, tmp_path):
    import qdp_glue

    monkeypatch.setitem(qdp_glue._SEARCH, "job-arguments.json", [tmp_path])
    with pytest.raises(
        JobError,
        match=r"^job-arguments.json not found \(searched .*\): upload it with --extra-files$",
    ):
        load_declaration("job-arguments.json")


def test_jdbc_targets():
    assert JdbcTarget.from_postgres_url(
        "postgres://qdp:p%40ss@db.example:6543/qdp?sslmode=require"
    ) == JdbcTarget("jdbc:postgresql://db.example:6543/qdp?sslmode=require", "qdp", "p@ss")
    assert (
        JdbcTarget.from_glue_conf(
            {"url": "jdbc:postgresql://aurora:5432", "user": "u", "password": "p"}, "qdp"
        ).url
        == "jdbc:postgresql://aurora:5432/qdp"
    )
    assert (
        JdbcTarget.from_glue_conf(
            {
                "fullUrl": "jdbc:redshift://wg:5439/dev",
                "url": "jdbc:redshift://wg:5439",
                "user": "u",
                "password": "p",
            }
        ).url
        == "jdbc:redshift://wg:5439/dev"
    )
    with pytest.raises(JobError, match="^not a PostgreSQL URL"):
        JdbcTarget.from_postgres_url("mysql://x/y")
    with pytest.raises(JobError, match="unsupported JDBC URL"):
        JdbcTarget("jdbc:mysql://x/y", "u", "p").driver()


def test_spark_options_batch_postgresql_inserts_into_multi_row_statements():
    postgres = JdbcTarget("jdbc:postgresql://h:5432/qdp", "u", "p").spark_options()
    assert postgres == {
        "url": "jdbc:postgresql://h:5432/qdp",
        "user": "u",
        "password": "p",
        "driver": "org.postgresql.Driver",
        "reWriteBatchedInserts": "true",
    }
    redshift = JdbcTarget("jdbc:redshift://wg:5439/dev", "u", "p").spark_options()
    assert redshift["driver"] == "com.amazon.redshift.jdbc42.Driver"
    assert "reWriteBatchedInserts" not in redshift
