import re
import unicodedata

_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower-case and strip accents, so «Educación» and «educacion» match on every database."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text or "")).casefold()
