"""What both Glue jobs share: the declarations they read and a JDBC session over py4j.

Pure Python plus the JVM that Spark already runs: no AWS import at module level (awsglue only in
``parse_job_arguments`` and each job's ``main``), so everything is tested with pytest on a local
PySpark.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent

# Where a declaration file is found: beside the script (Glue puts --extra-files in the driver's
# working directory, next to the script), then the repository's contracts/ (tests, local runs).
CONTRACTS = HERE.parent / "contracts"
_SEARCH = {
    "job-arguments.json": [HERE, Path.cwd(), CONTRACTS],
    "daily-file.json": [HERE, Path.cwd(), CONTRACTS],
}


class JobError(Exception):
    """A problem the job reports and stops on (bad argument, bad catalog state...)."""


def load_declaration(name: str) -> dict[str, Any]:
    """Reads one of the JSON declarations the jobs share with the TypeScript side."""
    for folder in _SEARCH[name]:
        path = folder / name
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                return json.load(handle)
    searched = ", ".join(str(folder) for folder in _SEARCH[name])
    raise JobError(f"{name} not found (searched {searched}): upload it with --extra-files")


def job_argument_names(job: str, declaration: dict[str, Any] | None = None) -> list[str]:
    """The names getResolvedOptions needs for a job ('import' or 'analytics'), without '--'.

    Our own arguments first (in declaration order), then Glue's (JOB_NAME, WORKFLOW_RUN_ID...).
    """
    spec = (declaration or load_declaration("job-arguments.json"))["jobs"][job]
    own = [argument["name"] for argument in spec["arguments"].values()]
    return [name.removeprefix("--") for name in [*own, *spec["glueArguments"]]]


def parse_job_arguments(job: str, argv: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """A run's arguments through awsglue's getResolvedOptions (the real one: awsglue is Glue's
    own library in AWS, PyPI's awsgluedataplanepython in the tests) with the names the
    declaration gives the job: Glue's resolved dict, and our arguments by their key. A declared
    argument missing from the run stops the job with getResolvedOptions' message naming it."""
    from awsglue.utils import getResolvedOptions

    resolved = getResolvedOptions(list(argv), job_argument_names(job))
    return resolved, resolved_arguments(job, resolved)


def resolved_arguments(job: str, resolved: dict[str, str]) -> dict[str, str]:
    """Our arguments by their key in job-arguments.json (``catalogDatabase``...), from the dict
    getResolvedOptions returns."""
    spec = load_declaration("job-arguments.json")["jobs"][job]["arguments"]
    return {key: resolved[argument["name"].removeprefix("--")] for key, argument in spec.items()}


@dataclass(frozen=True)
class JdbcTarget:
    """Where a JDBC connection goes: what Spark's JDBC source and DriverManager both need."""

    url: str
    user: str
    password: str

    def driver(self) -> str:
        subprotocol = self.url.split(":", 2)[1] if self.url.startswith("jdbc:") else ""
        if subprotocol not in _DRIVERS:
            raise JobError(
                f"unsupported JDBC URL (want jdbc:postgresql or jdbc:redshift): {subprotocol!r}"
            )
        return _DRIVERS[subprotocol]

    def spark_options(self) -> dict[str, str]:
        """Options of Spark's JDBC source; the unknown ones reach the driver as connection
        properties."""
        options = {
            "url": self.url,
            "user": self.user,
            "password": self.password,
            "driver": self.driver(),
        }
        if options["driver"] == _DRIVERS["postgresql"]:
            # One multi-row INSERT per batch instead of one INSERT per row: 2.3x faster writes
            # into the transit table (bench/glue-import.ts).
            options["reWriteBatchedInserts"] = "true"
        return options

    @staticmethod
    def from_glue_conf(conf: dict[str, str], database: str | None = None) -> JdbcTarget:
        """From glueContext.extract_jdbc_conf(connection): its ``fullUrl`` names the database;
        older Glue versions give only ``url`` (host and port), to which ``database`` is added."""
        url = conf.get("fullUrl") or conf["url"]
        if database and urlsplit(url.removeprefix("jdbc:")).path in ("", "/"):
            url = url.rstrip("/") + "/" + database
        return JdbcTarget(url=url, user=conf["user"], password=conf["password"])

    @staticmethod
    def from_postgres_url(url: str) -> JdbcTarget:
        """From a libpq URL (postgres://user:password@host:port/database?sslmode=...)."""
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
            raise JobError(f"not a PostgreSQL URL: {parts.scheme}://{parts.hostname or ''}…")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        jdbc = f"jdbc:postgresql://{host}:{parts.port or 5432}{parts.path or '/'}"
        if parts.query:
            jdbc += "?" + parts.query
        return JdbcTarget(jdbc, unquote(parts.username or ""), unquote(parts.password or ""))


# Driver class by JDBC subprotocol: the drivers Glue 5.0 ships (and the Debian/PyPI PostgreSQL
# driver in tests). Instantiated directly: DriverManager does not see jars added to Spark's own
# class loader.
_DRIVERS = {
    "postgresql": "org.postgresql.Driver",
    "redshift": "com.amazon.redshift.jdbc42.Driver",
}


class JdbcSession:
    """One JDBC connection through the driver JVM (py4j), for the statements Spark's JDBC source
    cannot run: calling the SQL functions of the import lifecycle, DDL, transactions."""

    def __init__(self, spark: Any, target: JdbcTarget) -> None:
        jvm = spark.sparkContext._jvm
        driver = jvm.java.lang.Class.forName(
            target.driver(), True, jvm.java.lang.Thread.currentThread().getContextClassLoader()
        ).newInstance()
        properties = jvm.java.util.Properties()
        properties.setProperty("user", target.user)
        properties.setProperty("password", target.password)
        self._jvm = jvm
        self._connection = driver.connect(target.url, properties)
        if self._connection is None:
            raise JobError("the JDBC driver refused the URL")

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> JdbcSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Runs one statement; returns its rows (values as Python str/int/bool/None) or []."""
        statement = self._connection.prepareStatement(sql)
        try:
            for index, value in enumerate(params, start=1):
                if value is None:
                    statement.setObject(index, None)
                elif isinstance(value, bool):
                    statement.setBoolean(index, value)
                elif isinstance(value, int):
                    statement.setLong(index, value)
                else:
                    statement.setString(index, str(value))
            if not statement.execute():
                return []
            results = statement.getResultSet()
            width = results.getMetaData().getColumnCount()
            rows = []
            while results.next():
                rows.append(tuple(_python(results.getObject(i)) for i in range(1, width + 1)))
            return rows
        finally:
            statement.close()

    def execute(self, sql: str) -> None:
        """Runs statements without parameters (DDL, several statements separated by ';')."""
        statement = self._connection.createStatement()
        try:
            statement.execute(sql)
        finally:
            statement.close()

    @contextmanager
    def transaction(self) -> Iterator[JdbcSession]:
        """Commits when the block ends, rolls back when it raises."""
        self._connection.setAutoCommit(False)
        try:
            yield self
            self._connection.commit()
        except BaseException:
            self._connection.rollback()
            raise
        finally:
            self._connection.setAutoCommit(True)


def _python(value: Any) -> Any:
    """py4j gives str, int, bool and None as such; anything else (BigDecimal, dates) as text."""
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    return value.toString()


def database_error_message(error: BaseException) -> str:
    """The database's own message from a py4j-wrapped SQLException (else the error's text)."""
    java = getattr(error, "java_exception", None)
    if java is not None:
        message = java.getMessage()
        if message:
            return str(message).split("\n  Where:")[0].removeprefix("ERROR: ")
    return str(error)
