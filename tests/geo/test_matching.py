import pytest

from apertura.geo.matching import DEPARTMENT, MUNICIPALITY, detect_level, match, normalise


def test_names_match_whatever_the_accents_case_and_articles():
    assert normalise("  El QUICHÉ ") == "quiche"
    for written in ("Quiché", "QUICHE", "quiche", "El Quiché", "Departamento de Quiché", "14", "GT-14", "GT-QC"):
        assert match(written, level=DEPARTMENT) == "14", written
    assert match("Petén", level=DEPARTMENT) == match("PETEN", level=DEPARTMENT) == "17"
    assert match("Sacatepequez", level=DEPARTMENT) == "03"


def test_municipality_codes_survive_a_lost_leading_zero_and_short_or_long_names():
    assert match("101", level=MUNICIPALITY) == "0101"
    assert match("0108", level=MUNICIPALITY) == match("Mixco", level=MUNICIPALITY) == "0108"
    assert match("1333.0", level=MUNICIPALITY) == "1333"  # a spreadsheet made the code a decimal
    assert match("GT1326", level=MUNICIPALITY) == "1326"
    # MINFIN's everyday name and the formal one
    assert match("Chichicastenango", level=MUNICIPALITY) == match("Santo Tomás Chichicastenango",
                                                                  level=MUNICIPALITY) == "1406"
    assert match("SAN MIGUEL SIGUILA", level=MUNICIPALITY) == match("San Miguel Sigüilá", level=MUNICIPALITY) == "0908"


def test_guatemala_is_the_department_or_the_city_as_the_column_says():
    assert match("Guatemala", level=DEPARTMENT) == "01"
    assert match("Guatemala", level=MUNICIPALITY) == "0101"
    assert match("Zacapa", level=DEPARTMENT) == "19" and match("Zacapa", level=MUNICIPALITY) == "1901"
    # a column named "departamento" holding capital names is departments, one named "municipio" municipalities
    assert detect_level("departamento", ["Guatemala", "Zacapa", "Jalapa"])[0] == DEPARTMENT
    assert detect_level("municipio", ["Guatemala", "Zacapa", "Jalapa"])[0] == MUNICIPALITY
    assert detect_level("lugar", ["Guatemala", "Mixco", "Villa Nueva"]) == (MUNICIPALITY, 1.0)
    assert detect_level("lugar", ["Guatemala", "Zacapa"])[0] == DEPARTMENT  # a tie goes to departments
    assert detect_level("comentario", ["muy bien", "regular"]) == (None, 0.0)


def test_municipalities_sharing_a_name_need_their_department():
    assert match("San José", level=MUNICIPALITY) is None  # in Escuintla? Petén?
    assert match("San José", level=MUNICIPALITY, department="Petén") == "1702"
    assert match("San José, Petén", level=MUNICIPALITY) == "1702"
    assert match("La Libertad", level=MUNICIPALITY, department="13") == "1311"


@pytest.mark.parametrize("nonsense", ["", None, "Narnia", "23", "GT-99", "9999", "0100"])
def test_what_is_not_a_place_matches_nothing(nonsense):
    assert match(nonsense, level=DEPARTMENT) is None
    assert match(nonsense, level=MUNICIPALITY) is None
