"""The Glue job maps headers exactly as the TypeScript reader (contracts/daily-file.ts) does: both are
held to test/glue/header-cases.json (header.test.ts holds the TypeScript side)."""

import json
from pathlib import Path

import pytest

from import_job import TRANSIT_COLUMNS, header_problem, map_header, normalise_header

CASES = json.loads((Path(__file__).parent / "header-cases.json").read_text(encoding="utf-8"))[
    "cases"
]


@pytest.mark.parametrize(
    "case", CASES, ids=[" | ".join(c["headers"])[:60] or "(empty)" for c in CASES]
)
def test_maps_like_the_typescript_reader(case):
    mapping = map_header(case["headers"])
    assert mapping.columns == case["columns"]
    assert mapping.found == case["found"]
    assert mapping.missing == case["missing"]
    assert mapping.unrecognised == case["unrecognised"]
    assert [{"field": d.field, "headers": d.headers} for d in mapping.duplicates] == case[
        "duplicates"
    ]
    assert header_problem(mapping) == case["problem"]


def test_cases_cover_every_outcome():
    problems = [c["problem"] for c in CASES]
    assert None in problems
    assert any(p and p.startswith("missing required columns") for p in problems)
    assert any(p and "appears more than once" in p for p in problems)


def test_normalisation():
    assert normalise_header("\ufeff Data-di.Nàscita\t") == "DATADINASCITA"
    assert normalise_header("C.F.") == "CF"
    assert normalise_header("") == ""


def test_transit_columns_follow_the_contract():
    assert TRANSIT_COLUMNS == [
        "codice_fiscale",
        "cognome",
        "nome",
        "sesso",
        "data_nascita",
        "cod_istat_residenza",
        "comune_residenza",
        "indirizzo_residenza",
        "telefono",
        "cod_medico",
        "medico",
        "motivo",
        "data_inizio",
        "data_fine",
    ]
