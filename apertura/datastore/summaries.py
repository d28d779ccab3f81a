"""Column summaries for the resource page: counts, nulls, distinct values, min/max, a histogram for numbers
and the most frequent values for text. Computed with DuckDB over the version's Parquet file once, then cached:
a version never changes, so its key (table, version number, file) never goes stale."""

from django.core.cache import cache

from .engine.query import TableRef, column_summaries, top_values

CACHE_SECONDS = 7 * 24 * 3600
# The histogram's drawing box (SVG user units); the bars share it.
WIDTH, HEIGHT = 200, 48


def summaries(table: TableRef, *, version: int) -> list[dict]:
    key = f"datastore:summaries:v1:{table.key}:{version}:{table.path.name}"
    found = cache.get(key)
    if found is None:
        found = column_summaries(table)
        texts = [s["name"] for s in found if s["type"] == "string"]
        tops = top_values(table, texts) if texts else {}
        for summary in found:
            if summary["name"] in tops:
                summary["top"] = [{"value": v, "count": c} for v, c in tops[summary["name"]]]
        cache.set(key, found, CACHE_SECONDS)
    return [_with_bars(s) for s in found]


def _with_bars(summary: dict) -> dict:
    """Bars of the histogram as SVG rectangles (x, y, width, height), heights relative to the fullest bin."""
    bins = summary.get("histogram")
    if not bins:
        return summary
    most = max(b["count"] for b in bins) or 1
    step = WIDTH / len(bins)
    bars = []
    for i, b in enumerate(bins):
        height = round(HEIGHT * b["count"] / most, 2)
        bars.append({**b, "x": round(i * step + 0.5, 2), "width": round(max(step - 1, 0.5), 2),
                     "y": round(HEIGHT - height, 2), "height": height})
    return {**summary, "bars": bars, "box": f"0 0 {WIDTH} {HEIGHT}"}
