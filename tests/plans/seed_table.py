"""An independent reading of the milestone tables in the seed text, to check the curated file against."""

import re

MONTHS = {name: i for i, names in enumerate([
    (), ("january", "enero"), ("february", "febrero"), ("march", "marzo"), ("april", "abril"), ("may", "mayo"),
    ("june", "junio"), ("july", "julio"), ("august", "agosto"), ("september", "septiembre"),
    ("october", "octubre", "octuber"), ("november", "noviembre"), ("december", "diciembre"),
]) for name in names}
ROW = re.compile(r"^\s*(\d{1,2}\.\d)(?:\s|$)")


def _month(word: str, year: str) -> str | None:
    word = word.strip()
    if not word:
        return None
    return f"{year}-{MONTHS[word.lower()]:02d}"


def seed_milestones(text: str) -> dict[str, dict]:
    """{number: {"responsible": cell text, "start": YYYY-MM or None, "end": YYYY-MM or None}}"""
    lines = text.splitlines()
    found = {}
    for index, line in enumerate(lines):
        match = ROW.match(line)
        cells = line.split("\t")
        if not match or len(cells) < 4:
            continue
        responsible, start, end = (c.strip() for c in cells[-3:])
        start_parts, end_parts = start.split(), end.split()
        if (start_parts and not start_parts[-1].isdigit()) or (end_parts and not end_parts[-1].isdigit()):
            # The years (and sometimes a second responsible entity) sit on the row's next line.
            following = lines[index + 1].split("\t")
            responsible += " " + following[-3].strip()
            start_parts.append(following[-2].strip())
            end_parts.append(following[-1].strip())
        found[match.group(1)] = {
            "responsible": responsible,
            "start": _month(start_parts[0], start_parts[-1]) if start_parts else None,
            "end": _month(end_parts[0], end_parts[-1]) if end_parts else None,
        }
    return found
