"""The institution record: what the JSON API answers and what every page listing institutions writes out
(apertura/common/records.py)."""

from ninja import Schema


class InstitutionOut(Schema):
    acronym: str
    slug: str
    name: str  # in the reader's language when the institution has a name in it
    name_es: str
    name_en: str
    kind: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()
