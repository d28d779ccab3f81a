"""The TopoJSON reader and the SVG drawing, on a topology small enough to check by hand."""

from apertura.geo import boundaries, topojson
from apertura.geo.matching import DEPARTMENT

# Two unit squares side by side sharing their middle edge (arc 0), quantised with a transform.
# Arc 0: the shared edge (1,0)→(1,1); arc 1: the left square's other three sides (1,1)→(0,1)→(0,0)→(1,0);
# arc 2: the right square's other three sides (1,0)→(2,0)→(2,1)→(1,1). Coordinates are delta-encoded.
TINY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [-90.0, 15.0]},
    "arcs": [[[2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2], [2, 0]], [[2, 0], [2, 0], [0, 2], [-2, 0]]],
    "objects": {"places": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]], "properties": {"id": 100}},
        {"type": "Polygon", "arcs": [[2, ~0]], "properties": {"id": 200}},
        {"type": "Polygon", "arcs": [[1]], "properties": {"id": 4000}},  # Belize: not a department
        {"type": "LineString", "arcs": [0], "properties": {"id": 300}},
    ]}},
}


def test_arcs_are_decoded_from_deltas_and_the_transform():
    arcs = topojson.decode_arcs(TINY)
    assert arcs[0] == [(-89.0, 15.0), (-89.0, 16.0)]
    assert arcs[1] == [(-89.0, 16.0), (-90.0, 16.0), (-90.0, 15.0), (-89.0, 15.0)]


def test_rings_join_arcs_and_walk_negative_references_backwards():
    arcs = topojson.decode_arcs(TINY)
    features = topojson.features(TINY, "places")
    assert [f.properties["id"] for f in features] == [100, 200, 4000]  # the line is not a polygon
    right = topojson.ring(features[1].polygons[0][0], arcs)
    assert right == [(-89.0, 15.0), (-88.0, 15.0), (-88.0, 16.0), (-89.0, 16.0), (-89.0, 15.0)]


def test_drawing_keeps_only_places_and_gives_each_a_closed_path():
    drawn = boundaries.draw(TINY, "places", DEPARTMENT, width=200, tolerance=0.5)
    assert set(drawn.paths) == {"01", "02"}
    assert drawn.width == 200 and 95 < drawn.height < 105  # two squares side by side, a little taller in Mercator
    left = drawn.paths["01"]
    assert left.startswith("M100 ") and left.endswith("z")
    assert drawn.view_box == f"0 0 200 {drawn.height}"


def test_simplification_drops_points_within_the_tolerance_and_keeps_the_ends():
    wobbly = [(0, 0), (1, 0.1), (2, -0.1), (3, 0), (4, 5), (5, 0)]
    assert boundaries.simplify(wobbly, 0.5) == [(0, 0), (3, 0), (4, 5), (5, 0)]
    assert boundaries.simplify(wobbly, 10) == [(0, 0), (5, 0)]
