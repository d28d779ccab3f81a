import pytest

from apertura.common.tabular import csv_text, neutralise


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_ordinary_values_are_untouched():
    assert neutralise("Ministerio") == "Ministerio" and neutralise(-3) == -3
    assert csv_text(["a", "b"], [["x", None]]) == "a,b\r\nx,\r\n"


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "Ministerio", "", "'=x", " =x"])
def test_the_database_neutralises_exactly_as_python_does(cell):
    """Downloads written by DuckDB and Arrow and twins written by Python must guard the same cells."""
    import duckdb

    from apertura.common.tabular import formula_safe_sql

    got = duckdb.execute(f"SELECT {formula_safe_sql('v', 'v')} FROM (SELECT ? AS v)", [cell]).fetchone()[0]
    assert got == neutralise(cell)
