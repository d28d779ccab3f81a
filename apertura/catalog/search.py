"""Dataset search: ranked full-text words, and the Solr/Lucene filter syntax CKAN clients send.

Words (`q`) go to the full-text index (`fulltext`: FTS5 on SQLite, tsvector on PostgreSQL), accent-insensitive and
plural-tolerant. Like CKAN's dismax, one or two words must all match; from three words on, one may be missing,
and from six on 80% must match. Results rank by relevance, title words above description words.

`fq` (and a `q` with `field:value` clauses) is parsed into a Django Q over the folded columns (see
`apertura.common.text.fold`): `organization:x`, `groups:x`, `tags:x`, `res_format:CSV`, `license_id:x`,
`metadata_modified:[2024-01-01T00:00:00Z TO *]`, `-field:x`, `NOT`, `AND`, `OR`, parentheses and
`field:(a OR b)`. Bad syntax raises QuerySyntaxError with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import operator
import re
import uuid

from django.db.models import FloatField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.common.text import fold

from . import fulltext
from .models import Dataset

STOP_WORDS = {"a", "al", "de", "del", "el", "en", "la", "las", "los", "por", "para", "con", "y", "o", "u", "un",
              "una", "the", "of", "and", "or", "in", "on", "to", "for", "an"}


class QuerySyntaxError(ValueError):
    """The query cannot be read; the message says where and why."""


def stem(word: str) -> str:
    """A light plural stemmer for Spanish and English: «escuelas», «poblaciones», «schools» find their singular.
    Words match as prefixes of indexed words (substrings in `fq`), so dropping an ending only widens what matches."""
    if len(word) > 4 and word.endswith("es") and word[-3] not in "aeiou":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(q: str) -> list[str]:
    seen = []
    for word in re.findall(r"[^\W_]+", fold(q)):
        word = stem(word)
        if word not in STOP_WORDS and word not in seen:
            seen.append(word)
    return seen


def required_matches(count: int) -> int:
    """CKAN's default minimum-should-match, "2<-1 5<80%"."""
    if count <= 2:
        return count
    if count <= 5:
        return count - 1
    return math.floor(count * 0.8)


def text_search(qs: QuerySet, q: str) -> QuerySet:
    """Filter by words and annotate `score`; without words every dataset scores 0."""
    terms = words(q)[:fulltext.MAX_TERMS]
    if not terms:
        return qs.annotate(score=Value(0.0, output_field=FloatField()))
    return fulltext.match(qs, terms, required_matches(len(terms)))


# --- the Lucene subset -------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<lparen>\() | (?P<rparen>\)) | (?P<range>[\[{][^\]}]*[\]}]) | (?P<quoted>"[^"]*") |
    (?P<op>(?:AND|OR|NOT)(?=[\s()]|$)|&&|\|\|) | (?P<sign>[-+!])(?=\S) |
    (?P<field>[A-Za-z_][A-Za-z0-9_.]*):(?=\S) | (?P<word>[^\s()"\[\]{}]+)
)""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            if rest.startswith('"'):
                raise QuerySyntaxError(_("A quotation mark is not closed: %(rest)s") % {"rest": rest[:60]})
            if rest[:1] in "[{":
                raise QuerySyntaxError(_("A range is not closed with ]: %(rest)s") % {"rest": rest[:60]})
            raise QuerySyntaxError(_("Cannot read the query from: %(rest)s") % {"rest": rest[:60]})
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _subquery(**lookup) -> Q:
    """Many-valued conditions as `pk IN (…)`, so that two of them in one filter do not need the same row."""
    return Q(pk__in=Dataset.objects.filter(**lookup).values("pk"))


def parse_moment(text: str, field: str) -> dt.datetime | None:
    text = text.strip()
    if text == "*":
        return None
    now = timezone.now()
    match = re.fullmatch(r"NOW(?:([+-])(\d+)(DAY|DAYS|HOUR|HOURS|MONTH|MONTHS|YEAR|YEARS))?(?:/DAY)?", text)
    if match:
        if not match.group(1):
            return now
        days = {"DAY": 1, "HOUR": 1 / 24, "MONTH": 30, "YEAR": 365}[match.group(3).rstrip("S")]
        try:
            delta = dt.timedelta(days=days * int(match.group(2)))
            return now + delta if match.group(1) == "+" else now - delta
        except OverflowError:
            raise QuerySyntaxError(_("«%(value)s» in %(field)s is not a date such as 2024-01-31T00:00:00Z.") % {
                "value": text, "field": field}) from None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QuerySyntaxError(_("«%(value)s» in %(field)s is not a date such as 2024-01-31T00:00:00Z.") % {
            "value": text, "field": field}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _range(field: str, column: str, text: str) -> Q:
    inner = text[1:-1]
    parts = re.split(r"\s+TO\s+", inner.strip())
    if len(parts) != 2:
        raise QuerySyntaxError(_("A range is written [FROM TO UNTIL], e.g. [2024-01-01T00:00:00Z TO *]."))
    low, high = parse_moment(parts[0], field), parse_moment(parts[1], field)
    condition = Q()
    if low is not None:
        condition &= Q(**{f"{column}__gte" if text[0] == "[" else f"{column}__gt": low})
    if high is not None:
        condition &= Q(**{f"{column}__lte" if text[-1] == "]" else f"{column}__lt": high})
    return condition


def field_filter(field: str, value: str) -> Q:  # noqa: C901 - one branch per field, read as a table
    """One `field:value` clause as a Q (also the facet links of the dataset list)."""
    value = clean(value)
    if value == "*":
        return Q()
    if field == "organization":
        return Q(publisher__slug__iexact=value)
    if field == "owner_org":
        if value.isdigit():
            return Q(publisher__pk=int(value)) if len(value) < 10 else Q(pk__in=[])
        return Q(publisher__slug__iexact=value)
    if field == "groups":
        return _subquery(themes__code__iexact=value)
    if field == "tags":
        return _subquery(tags__name__iexact=value)
    if field == "res_format":
        return _subquery(resources__format__iexact=value)
    if field == "license_id":
        return Q(license__id__iexact=value)
    if field == "isopen":
        return Q(license__is_open=value.lower() in {"true", "1"})
    if field == "name":
        return Q(name=value)
    if field == "id":
        try:
            return Q(pk=uuid.UUID(value))
        except ValueError:
            return Q(pk__in=[])
    if field in {"department", "spatial"}:
        return Q(spatial_index__contains=f" {value} ")
    if field in {"title", "notes", "text"}:
        column = "title_text" if field == "title" else "search_text"
        terms = words(value)
        return functools.reduce(operator.and_, [Q(**{f"{column}__contains": t}) for t in terms], Q())
    if field in {"dataset_type", "type"}:
        return Q() if value == "dataset" else Q(pk__in=[])
    if field == "capacity":
        return Q() if value == "public" else Q(pk__in=[])
    if field == "state":
        return Q() if value == "active" else Q(pk__in=[])
    raise QuerySyntaxError(_("Unknown field «%(field)s». Known fields: %(fields)s.") % {
        "field": field, "fields": ", ".join(FIELDS)})


FIELDS = ["organization", "owner_org", "groups", "tags", "res_format", "license_id", "isopen", "name", "id",
          "department", "title", "notes", "text", "metadata_modified", "metadata_created", "dataset_type",
          "capacity", "state"]
_DATE_FIELDS = {"metadata_modified": "modified", "metadata_created": "created"}


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else (None, None)

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def parse(self) -> Q:
        if not self.tokens:
            return Q()
        result = self.parse_or()
        if self.peek()[0] is not None:
            kind, value = self.peek()
            if kind == "rparen":
                raise QuerySyntaxError(_("A closing parenthesis has no opening one."))
            raise QuerySyntaxError(_("Unexpected «%(value)s».") % {"value": value})
        return result

    def parse_or(self) -> Q:
        result = self.parse_and()
        while self.peek() in {("op", "OR"), ("op", "||")}:
            self.take()
            result = result | self.parse_and()
        return result

    def parse_and(self) -> Q:
        result = self.parse_unary()
        while True:
            kind, value = self.peek()
            if kind is None or kind == "rparen" or (kind == "op" and value in {"OR", "||"}):
                return result
            if kind == "op" and value in {"AND", "&&"}:
                self.take()
            result = result & self.parse_unary()

    def parse_unary(self) -> Q:
        kind, value = self.peek()
        if (kind == "sign" and value in "-!") or (kind == "op" and value == "NOT"):
            self.take()
            return ~self.parse_unary()
        if kind == "sign":
            self.take()
            return self.parse_unary()
        return self.parse_atom()

    def _group(self) -> Q:
        self.take()
        result = self.parse_or()
        if self.take()[0] != "rparen":
            raise QuerySyntaxError(_("A parenthesis is not closed."))
        return result

    def parse_atom(self) -> Q:
        kind, value = self.peek()
        if kind is None:
            raise QuerySyntaxError(_("The query ends where a term was expected."))
        if kind == "lparen":
            return self._group()
        if kind == "field":
            self.take()
            return self.parse_value(value)
        if kind in {"word", "quoted"}:
            self.take()
            text = value.strip('"')
            if text in {"*:*", "*"}:
                return Q()
            terms = words(text)
            return functools.reduce(operator.and_, [Q(search_text__contains=t) for t in terms], Q())
        if kind == "rparen":
            raise QuerySyntaxError(_("A closing parenthesis has no opening one."))
        raise QuerySyntaxError(_("Unexpected «%(value)s».") % {"value": value})

    def parse_value(self, field: str) -> Q:
        kind, value = self.peek()
        if kind == "range":
            self.take()
            if field not in _DATE_FIELDS:
                raise QuerySyntaxError(_("Only dates take a range: %(fields)s.") % {
                    "fields": ", ".join(_DATE_FIELDS)})
            return _range(field, _DATE_FIELDS[field], value)
        if kind == "lparen":  # field:(a OR b)
            self.take()
            result = self._values(field)
            if self.take()[0] != "rparen":
                raise QuerySyntaxError(_("A parenthesis is not closed."))
            return result
        if kind in {"word", "quoted"}:
            self.take()
            if field in _DATE_FIELDS:
                moment = parse_moment(value.strip('"'), field)
                return Q(**{_DATE_FIELDS[field]: moment}) if moment else Q()
            return field_filter(field, value.strip('"'))
        raise QuerySyntaxError(_("«%(field)s:» has no value.") % {"field": field})

    def _values(self, field: str) -> Q:
        result, joiner = None, operator.or_
        while True:
            kind, value = self.peek()
            if kind in {None, "rparen"}:
                break
            self.take()
            if kind == "op":
                joiner = operator.and_ if value in {"AND", "&&"} else operator.or_
                continue
            if kind not in {"word", "quoted"}:
                raise QuerySyntaxError(_("Unexpected «%(value)s».") % {"value": value})
            condition = field_filter(field, value.strip('"'))
            result = condition if result is None else joiner(result, condition)
        return result if result is not None else Q()


def parse_filter(text: str) -> Q:
    """A Solr/Lucene filter (`fq`) as a Q; raises QuerySyntaxError."""
    return _Parser(clean(text)).parse()


def clean(text) -> str:
    """Without NUL characters, which PostgreSQL text cannot hold (and no query needs)."""
    return str(text or "").replace("\x00", "")


SORTS = {"score": "score", "metadata_modified": "modified", "metadata_created": "created", "name": "name",
         "title_string": "title", "title": "title", "id": "pk"}


def parse_sort(text: str) -> list[str]:
    """`score desc, metadata_modified desc` as order_by arguments; raises QuerySyntaxError."""
    order = []
    for part in (text or "").split(","):
        bits = part.split()
        if not bits:
            continue
        if bits[0] not in SORTS or len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in {"asc", "desc"}):
            raise QuerySyntaxError(_("Cannot sort by «%(sort)s». Sort by one of %(fields)s, then asc or desc.") % {
                "sort": part.strip(), "fields": ", ".join(SORTS)})
        descending = len(bits) == 2 and bits[1].lower() == "desc"
        order.append(("-" if descending else "") + SORTS[bits[0]])
    return order + ["name"]


def _looks_like_lucene(q: str) -> bool:
    """Solr syntax when every `name:` names a known field (so a pasted https://… stays plain words)."""
    prefixes = re.findall(r"([A-Za-z_][A-Za-z0-9_.]*):", q)
    if prefixes:
        return all(prefix in FIELDS for prefix in prefixes)
    return bool(re.search(r"\b(AND|OR|NOT)\b|[()\[\]\"]", q))


def dataset_search(qs: QuerySet, *, q: str = "", fq: str = "", sort: str = "") -> QuerySet:
    """Apply `q` (words, or a Lucene query when it holds `field:`), `fq` and `sort` to a dataset queryset."""
    q = clean(q).strip()
    if q in {"", "*:*", "*"}:
        qs = text_search(qs, "")
    elif _looks_like_lucene(q):
        qs = text_search(qs, "").filter(parse_filter(q))
    else:
        qs = text_search(qs, q)
    if fq:
        qs = qs.filter(parse_filter(fq))
    return qs.order_by(*parse_sort(sort or "score desc, metadata_modified desc"))
