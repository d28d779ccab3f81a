"""A small TopoJSON reader: quantised, delta-encoded arcs back to coordinates, and polygons as rings of arcs.

Only what Guatemala's boundary files use (Polygon and MultiPolygon geometries in a GeometryCollection), so the
product needs no GIS library to draw its maps. Arcs stay shared between neighbours, which lets a simplification
done arc by arc keep common borders identical on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

Point = tuple[float, float]


@dataclass
class Feature:
    properties: dict
    # polygons → rings → arc references (a negative reference ~i means arc i walked backwards)
    polygons: list[list[list[int]]]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Every arc as absolute coordinates (undoing the quantisation transform and delta encoding)."""
    transform = topology.get("transform")
    if not transform:
        return [[(float(x), float(y)) for x, y, *_rest in arc] for arc in topology["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy, *_rest in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def features(topology: dict, name: str) -> list[Feature]:
    """The polygon features of object `name` (other geometry types carry nothing to fill on a map)."""
    found = []
    for geometry in topology["objects"][name]["geometries"]:
        if geometry.get("type") == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        found.append(Feature(properties=geometry.get("properties") or {}, polygons=polygons))
    return found


def ring(references: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from its arcs, each arc's first point dropped after the first (it repeats the last)."""
    points: list[Point] = []
    for reference in references:
        arc = arcs[reference] if reference >= 0 else arcs[~reference][::-1]
        points.extend(arc if not points else arc[1:])
    return points
