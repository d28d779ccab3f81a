import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents, so «Educación» and «educacion» match on every database."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
