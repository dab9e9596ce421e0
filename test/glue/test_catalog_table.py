"""Which Data Catalog table holds the staged object (the crawler's naming is not ours)."""

import pytest

from import_job import CatalogTable, find_catalog_table, parse_import_id
from qdp_glue import JobError


def test_one_table_per_folder():
    tables = [
        CatalogTable("staged_41", "s3://landing/staging/41/"),
        CatalogTable("staged_42", "s3://landing/staging/42"),
    ]
    assert find_catalog_table(tables, "landing", "staging/42/day 15.csv") == ("staged_42", "")


def test_one_partitioned_table_over_the_prefix():
    hive = [CatalogTable("staging", "s3://landing/staging/", ("import_id",))]
    assert find_catalog_table(hive, "landing", "staging/import_id=42/f.csv") == (
        "staging",
        "import_id = '42'",
    )
    positional = [CatalogTable("staging", "s3://landing/staging", ("partition_0",))]
    assert find_catalog_table(positional, "landing", "staging/4'2/f.csv") == (
        "staging",
        "partition_0 = '4''2'",
    )


def test_no_table_or_two_tables_is_an_error():
    with pytest.raises(
        JobError,
        match=r"^expected one Data Catalog table for s3://landing/staging/7/f.csv, found 0 \(none\): did the crawler run\?$",
    ):
        find_catalog_table(
            [CatalogTable("staged_42", "s3://landing/staging/42/")], "landing", "staging/7/f.csv"
        )
    two = [
        CatalogTable("a", "s3://landing/staging/7/"),
        CatalogTable("b", "s3://landing/staging/", ("partition_0",)),
    ]
    with pytest.raises(JobError, match=r"found 2 \(a, b\)"):
        find_catalog_table(two, "landing", "staging/7/f.csv")


def test_import_id_property():
    assert parse_import_id("42") == 42
    for bad in ["", "0", "-1", "4x", "012"]:
        with pytest.raises(JobError, match="^run property import id must be a positive integer"):
            parse_import_id(bad)
