"""Fixtures of the Glue job tests: a local Spark (the Spark of Glue 5.0) with the PostgreSQL JDBC
driver, and per-test PostgreSQL databases cloned from the migrated template of the TypeScript
suite (test/support/global-setup.ts)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "glue"))

from pyspark.sql import SparkSession  # noqa: E402

from qdp_glue import JdbcSession, JdbcTarget, JobError  # noqa: E402
from run_local import local_spark  # noqa: E402


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    try:
        session = local_spark()
    except JobError as error:
        pytest.fail(str(error))
    yield session
    session.stop()


def _admin_target() -> JdbcTarget:
    url = os.environ.get("QDP_GLUE_TEST_ADMIN_URL")
    if not url:
        pytest.fail(
            "QDP_GLUE_TEST_ADMIN_URL is not set: database tests run through "
            "`npx vitest run test/glue` (it starts PostgreSQL and passes the URL), or set "
            "it to a superuser PostgreSQL URL whose server holds the migrated template "
            "(QDP_GLUE_TEST_TEMPLATE); `-m 'not database'` runs the other tests alone"
        )
    return JdbcTarget.from_postgres_url(url)


@dataclass(frozen=True)
class TestDatabase:
    name: str
    jdbc: JdbcTarget
    # libpq form, for the TypeScript side (DATABASE_URL of `qdp`)
    url: str


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture()
def new_database(spark: SparkSession) -> Iterator:
    """Makes databases for one test: ``new_database()`` clones the migrated template,
    ``new_database(empty=True)`` makes an empty one. All are dropped after the test."""
    admin = _admin_target()
    template = os.environ.get("QDP_GLUE_TEST_TEMPLATE", "qdp_test_template")
    made: list[str] = []

    def make(empty: bool = False) -> TestDatabase:
        name = f"qdp_glue_{secrets.token_hex(6)}"
        with JdbcSession(spark, admin) as db:
            db.execute(f"create database {name}" + ("" if empty else f" template {template}"))
        made.append(name)
        url = _with_database(os.environ["QDP_GLUE_TEST_ADMIN_URL"], name)
        return TestDatabase(name, JdbcTarget.from_postgres_url(url), url)

    yield make
    with JdbcSession(spark, admin) as db:
        for name in made:
            db.execute(f"drop database if exists {name} with (force)")


@pytest.fixture()
def database(new_database) -> TestDatabase:
    """A migrated database (Verona territory) of its own."""
    return new_database()
