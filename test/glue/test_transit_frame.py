"""The import job's staged rows -> transit rows, on a local Spark: the staged file's shape checked
(on-upload's header, not mapped again), the contract's columns by position, line numbers from
QDP_LINE_NO."""

import pytest

from import_job import (
    STAGED_HEADER,
    TRANSIT_COLUMNS,
    check_line_numbers,
    check_staged_header,
    check_text_columns,
    transit_frame,
)
from qdp_glue import JobError

# QDP_LINE_NO, then the contract's canonical headers in transit column order.
VALUES = {
    "CODICE_FISCALE": "CF00000000000001",
    "COGNOME": "ROSSI",
    "NOME": "MARIO",
    "SESSO": "M",
    "DATA_NASCITA": "01/02/1980",
    "COD_ISTAT_RESIDENZA": "023091",
    "COMUNE_RESIDENZA": "VERONA",
    "INDIRIZZO_RESIDENZA": "VIA ROMA 1",
    "TELEFONO": "+39 045 000000",
    "COD_MEDICO": "",
    "MEDICO": "",
    "MOTIVO": "CONTATTO",
    "DATA_INIZIO": "01/03/2021",
    "DATA_FINE": "10/03/2021",
}


def _row(line, surname="ROSSI", address="VIA ROMA 1"):
    values = {**VALUES, "COGNOME": surname, "INDIRIZZO_RESIDENZA": address}
    return [line, *(values[h] for h in STAGED_HEADER[1:])]


def _collect(frame):
    return [row.asDict() for row in frame.orderBy("line_no").collect()]


def test_the_staged_header_is_qdp_line_no_then_the_contract_in_transit_order():
    assert ["QDP_LINE_NO", *VALUES] == STAGED_HEADER
    assert [h.lower() for h in STAGED_HEADER[1:]] == TRANSIT_COLUMNS


def test_maps_columns_by_position_with_the_staged_line_numbers(spark):
    rows = spark.createDataFrame(
        [_row("7", "ROSSI1"), [" 12 ", *_row("", "ROSSI2", "A\nB")[1:]]], STAGED_HEADER
    )
    result = transit_frame(rows, 4)
    assert result.columns == ["import_id", "line_no", *TRANSIT_COLUMNS]
    first, second = _collect(result)
    assert first == {
        "import_id": 4,
        "line_no": 7,
        "codice_fiscale": "CF00000000000001",
        "cognome": "ROSSI1",
        "nome": "MARIO",
        "sesso": "M",
        "data_nascita": "01/02/1980",
        "cod_istat_residenza": "023091",
        "comune_residenza": "VERONA",
        "indirizzo_residenza": "VIA ROMA 1",
        "telefono": "+39 045 000000",
        "cod_medico": "",
        "medico": "",
        "motivo": "CONTATTO",
        "data_inizio": "01/03/2021",
        "data_fine": "10/03/2021",
    }
    assert (second["line_no"], second["cognome"], second["indirizzo_residenza"]) == (
        12,
        "ROSSI2",
        "A\nB",
    )
    check_line_numbers(result)


def test_lowercased_catalog_column_names_are_the_staged_header(spark):
    # The crawler stores column names in lower case.
    rows = spark.createDataFrame([_row("2")], [h.lower() for h in STAGED_HEADER])
    (row,) = _collect(transit_frame(rows, 5))
    assert (row["line_no"], row["codice_fiscale"]) == (2, "CF00000000000001")


def test_a_staged_file_read_back_from_csv(spark, tmp_path):
    path = tmp_path / "staged.csv"
    lines = [",".join(STAGED_HEADER), ",".join(_row("2")), ",".join(_row("5", "BIANCHI"))]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    rows = spark.read.csv(str(path), header=True, multiLine=True)
    result = _collect(transit_frame(rows, 3))
    assert [(r["line_no"], r["cognome"]) for r in result] == [(2, "ROSSI"), (5, "BIANCHI")]


def test_empty_file_gives_no_rows(spark):
    rows = spark.createDataFrame([], ", ".join(f"`{h}` string" for h in STAGED_HEADER))
    assert transit_frame(rows, 1).count() == 0


@pytest.mark.parametrize(
    "header",
    [
        # an uploaded file's own header: aliases are matched by on-upload, never here
        ["QDP_LINE_NO", "CF", *STAGED_HEADER[2:]],
        # without the line numbers
        STAGED_HEADER[1:],
        # another order
        [STAGED_HEADER[0], STAGED_HEADER[2], STAGED_HEADER[1], *STAGED_HEADER[3:]],
        # a column more
        [*STAGED_HEADER, "NOTE"],
        [],
    ],
)
def test_any_other_header_is_refused_naming_both(header):
    with pytest.raises(JobError) as raised:
        check_staged_header(header)
    assert str(raised.value) == (
        "the staged file's header is not the one on-upload writes "
        "(contracts/job-arguments.json stagedFile): expected "
        f"{', '.join(STAGED_HEADER)}; found {', '.join(header) or 'no columns'}"
    )


def test_line_numbers_that_are_not_positive_integers_fail(spark):
    rows = spark.createDataFrame(
        [_row("0"), _row("x"), _row(None), _row("3000000000"), _row("5")], STAGED_HEADER
    )
    with pytest.raises(
        JobError, match="^the staged file's QDP_LINE_NO is not a positive integer on 4 rows$"
    ):
        check_line_numbers(transit_frame(rows, 4))


def test_columns_the_catalog_typed_are_refused(spark):
    # A crawler that inferred types has already turned 023091 into 23091.
    types = {"QDP_LINE_NO": "long", "COD_ISTAT_RESIDENZA": "int", "TELEFONO": "bigint"}
    schema = ", ".join(f"{h} {types.get(h, 'string')}" for h in STAGED_HEADER)
    values = {"QDP_LINE_NO": 2, "COD_ISTAT_RESIDENZA": 23091, "TELEFONO": 3331234567}
    rows = spark.createDataFrame([tuple(values.get(h, "X") for h in STAGED_HEADER)], schema)
    with pytest.raises(JobError) as raised:
        check_text_columns(rows)
    assert str(raised.value) == (
        "the Data Catalog typed columns of the staged file that must be text: "
        "COD_ISTAT_RESIDENZA (int), TELEFONO (bigint) "
        "(the crawler's CSV classifier must read every column as a string)"
    )
    # A typed line-number column is fine: it is read as text, then checked.
    text = spark.createDataFrame(
        [tuple(2 if h == "QDP_LINE_NO" else "X" for h in STAGED_HEADER)],
        ", ".join(f"{h} {'long' if h == 'QDP_LINE_NO' else 'string'}" for h in STAGED_HEADER),
    )
    check_text_columns(text)
