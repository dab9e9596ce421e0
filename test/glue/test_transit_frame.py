"""The import job's rows -> transit rows, on a local Spark: column mapping by the contract, record
order and physical line numbers as the TypeScript reader counts them."""

import pytest

from import_job import (
    TRANSIT_COLUMNS,
    check_line_numbers,
    check_text_columns,
    file_header,
    map_header,
    transit_frame,
)
from qdp_glue import JobError

HEADER = [
    "Cognome",
    "NOTE",
    "codice fiscale",
    "nome",
    "sesso",
    "data_nascita",
    "cod_istat_residenza",
    "indirizzo",
    "motivo",
    "data_inizio",
    "data_fine",
]


def _row(i, address="VIA ROMA 1", note=""):
    return [
        f"ROSSI{i}",
        note,
        f"CF{i:014d}",
        "MARIO",
        "M",
        "01/02/1980",
        "023091",
        address,
        "CONTATTO",
        "01/03/2021",
        "10/03/2021",
    ]


def _collect(frame):
    return [row.asDict() for row in frame.orderBy("line_no").collect()]


def test_maps_columns_in_contract_order_and_numbers_lines_from_2(spark):
    rows = spark.createDataFrame([_row(1), _row(2)], HEADER)
    result = transit_frame(rows, map_header(HEADER), 7)
    assert result.columns == ["import_id", "line_no", *TRANSIT_COLUMNS]
    first, second = _collect(result)
    assert first == {
        "import_id": 7,
        "line_no": 2,
        "codice_fiscale": "CF00000000000001",
        "cognome": "ROSSI1",
        "nome": "MARIO",
        "sesso": "M",
        "data_nascita": "01/02/1980",
        "cod_istat_residenza": "023091",
        "comune_residenza": None,
        "indirizzo_residenza": "VIA ROMA 1",
        "telefono": None,
        "cod_medico": None,
        "medico": None,
        "motivo": "CONTATTO",
        "data_inizio": "01/03/2021",
        "data_fine": "10/03/2021",
    }
    assert (second["line_no"], second["cognome"]) == (3, "ROSSI2")


def test_record_order_across_partitions(spark):
    data = [_row(i) for i in range(1, 101)]
    rows = spark.sparkContext.parallelize(data, 4).toDF(HEADER)
    assert rows.rdd.getNumPartitions() == 4
    result = _collect(transit_frame(rows, map_header(HEADER), 1))
    assert [r["line_no"] for r in result] == list(range(2, 102))
    assert [r["cognome"] for r in result] == [f"ROSSI{i}" for i in range(1, 101)]


def test_newlines_in_quoted_fields_move_the_following_lines(spark, tmp_path):
    # As the TypeScript reader: a record's line number is its first physical line.
    path = tmp_path / "staged.csv"
    path.write_text(
        ",".join(HEADER)
        + "\n"
        + ",".join(_row(1))
        + "\n"
        + ",".join(_row(2, address='"VIA ROMA 1\nSCALA B\nINTERNO 3"'))
        + "\n"
        + ",".join(_row(3, note='"nota\nlunga"'))
        + "\n"
        + ",".join(_row(4))
        + "\n",
        encoding="utf-8",
    )
    rows = spark.read.csv(str(path), header=True, multiLine=True)
    result = _collect(transit_frame(rows, map_header(rows.columns), 3))
    assert [(r["line_no"], r["cognome"]) for r in result] == [
        (2, "ROSSI1"),
        (3, "ROSSI2"),
        (6, "ROSSI3"),
        (8, "ROSSI4"),
    ]
    assert result[1]["indirizzo_residenza"] == "VIA ROMA 1\nSCALA B\nINTERNO 3"


def test_newlines_across_partitions(spark):
    data = [_row(i, address="A\nB" if i % 10 == 0 else "A") for i in range(1, 41)]
    rows = spark.sparkContext.parallelize(data, 3).toDF(HEADER)
    result = _collect(transit_frame(rows, map_header(HEADER), 1))
    expected, line = [], 2
    for i in range(1, 41):
        expected.append(line)
        line += 2 if i % 10 == 0 else 1
    assert [r["line_no"] for r in result] == expected


def test_lowercased_catalog_column_names_map_the_same(spark):
    # The crawler stores column names in lower case.
    lower = [h.lower() for h in HEADER]
    rows = spark.createDataFrame([_row(1)], lower)
    (row,) = _collect(transit_frame(rows, map_header(lower), 5))
    assert (row["codice_fiscale"], row["indirizzo_residenza"]) == ("CF00000000000001", "VIA ROMA 1")


def test_empty_file_gives_no_rows(spark):
    rows = spark.createDataFrame([], ", ".join(f"`{h}` string" for h in HEADER))
    assert transit_frame(rows, map_header(HEADER), 1).count() == 0


def test_refuses_a_mapping_of_another_width(spark):
    rows = spark.createDataFrame([_row(1)], HEADER)
    with pytest.raises(JobError, match="the frame has 11 columns, the header mapping 2"):
        transit_frame(rows, map_header(["CF", "NOME"]), 1)


def test_the_staged_line_number_column_gives_line_no(spark):
    # on-upload may carry the uploaded file's own line numbers (blank lines, .xlsx rows).
    header = ["qdp_line_no", *HEADER]
    rows = spark.createDataFrame(
        [["7", *_row(1)], [" 12 ", *_row(2, address="A\nB")], ["13", *_row(3)]], header
    )
    mapping = map_header(file_header(header))
    assert mapping.unrecognised == ["NOTE"]
    result = _collect(transit_frame(rows, mapping, 4))
    assert [(r["line_no"], r["cognome"]) for r in result] == [
        (7, "ROSSI1"),
        (12, "ROSSI2"),
        (13, "ROSSI3"),
    ]
    check_line_numbers(transit_frame(rows, mapping, 4))


def test_line_numbers_that_are_not_positive_integers_fail(spark):
    header = [*HEADER, "QDP_LINE_NO"]
    rows = spark.createDataFrame(
        [
            [*_row(1), "0"],
            [*_row(2), "x"],
            [*_row(3), None],
            [*_row(4), "3000000000"],
            [*_row(5), "5"],
        ],
        header,
    )
    transit = transit_frame(rows, map_header(file_header(header)), 4)
    with pytest.raises(
        JobError, match="^the staged file's QDP_LINE_NO is not a positive integer on 4 rows$"
    ):
        check_line_numbers(transit)


def test_two_line_number_columns_are_refused():
    with pytest.raises(JobError, match="^the staged file has 2 QDP_LINE_NO columns$"):
        file_header(["QDP_LINE_NO", "CF", "qdp line no"])


def test_columns_the_catalog_typed_are_refused(spark):
    # A crawler that inferred types has already turned 023091 into 23091.
    header = ["QDP_LINE_NO", "CODICE_FISCALE", "COD_ISTAT_RESIDENZA", "TELEFONO", "NOTE"]
    rows = spark.createDataFrame(
        [(2, "X", 23091, 3331234567, 1)],
        "QDP_LINE_NO long, CODICE_FISCALE string, COD_ISTAT_RESIDENZA int, TELEFONO bigint, NOTE int",
    )
    with pytest.raises(JobError) as raised:
        check_text_columns(rows, map_header(file_header(header)))
    assert str(raised.value) == (
        "the Data Catalog typed columns of the staged file that must be text: "
        "COD_ISTAT_RESIDENZA (int), TELEFONO (bigint) "
        "(the crawler's CSV classifier must read every column as a string)"
    )
    text = spark.createDataFrame([(2, "X", "023091")], "QDP_LINE_NO long, CF string, ISTAT string")
    check_text_columns(text, map_header(file_header(["QDP_LINE_NO", "CF", "ISTAT_RESIDENZA"])))
