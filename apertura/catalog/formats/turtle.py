"""A small Turtle writer for large, flat graphs such as a 1,000-dataset catalog page.

rdflib's Turtle serializer sorts every subject and tries to turn every IRI into a prefixed name through its
namespace trie, which dominated the catalog export (3 s a page). This writer keeps the triples in the order they
were added (a dataset, then what describes it), abbreviates only IRIs under the prefixes it is given, and inlines
a blank node used once as `[ ... ]`; what it writes parses back to the same graph (see tests/catalog/test_dcat.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF

# A conservative subset of PN_LOCAL: anything else is written as a full <IRI>, which is always valid.
_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
# Characters IRIREF forbids (besides the controls and space): written as \u escapes.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_UNSAFE = re.compile(r'[\x00-\x1f"\\\x7f]')
_STRING_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}
_INDENT = "    "


def _iri(value: str) -> str:
    return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", value) + ">"


def _string(value: str) -> str:
    return '"' + _STRING_UNSAFE.sub(lambda m: _STRING_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"),
                                    value) + '"'


class _Terms:
    """Writes terms, remembering each one (predicates, classes and shared nodes repeat thousands of times)."""

    def __init__(self, prefixes: Mapping[str, str]):
        # Longest namespace first, so that a namespace nested in another gets its own prefix.
        self.namespaces = sorted(((str(ns), prefix) for prefix, ns in prefixes.items()), key=lambda p: -len(p[0]))
        self.used: set[str] = set()
        self.written: dict = {RDF.type: "a"}
        self.blank_labels: dict[BNode, str] = {}

    def __call__(self, term) -> str:
        written = self.written.get(term)
        if written is None:
            if isinstance(term, BNode):
                return self.blank_labels.setdefault(term, f"_:b{len(self.blank_labels)}")
            written = self.written[term] = self._literal(term) if isinstance(term, Literal) else self._uri(term)
        return written

    def _uri(self, uri: URIRef) -> str:
        for namespace, prefix in self.namespaces:
            if uri.startswith(namespace) and _LOCAL_NAME.match(uri, len(namespace)):
                self.used.add(prefix)
                return f"{prefix}:{uri[len(namespace):]}"
        return _iri(uri)

    def _literal(self, literal: Literal) -> str:
        text = _string(str(literal))
        if literal.language:
            return f"{text}@{literal.language}"
        if literal.datatype is not None:
            return f"{text}^^{self(literal.datatype)}"
        return text


def dumps(triples: Iterable[tuple], prefixes: Mapping[str, str]) -> str:
    """Turtle for `triples` (any iterable of rdflib (subject, predicate, object), e.g. a Graph), declaring the
    prefixes of `prefixes` ({prefix: namespace}) that it uses. Duplicate triples are written once."""
    subjects: dict = {}
    for subject, predicate, obj in triples:
        subjects.setdefault(subject, {}).setdefault(predicate, {})[obj] = None
    references: dict[BNode, int] = {}
    for predicates in subjects.values():
        for objects in predicates.values():
            for obj in objects:
                if isinstance(obj, BNode):
                    references[obj] = references.get(obj, 0) + 1
    # A blank node that is the object of exactly one triple is written in place, as `[ ... ]`, when a subject
    # written as a block of its own leads to it (a cycle of such nodes is written with labels instead).
    inline = _reached(subjects, {node for node, count in references.items() if count == 1 and node in subjects})
    term = _Terms(prefixes)
    body: list[str] = []

    def properties(predicates: Mapping, depth: int) -> str:
        indent = _INDENT * depth
        parts = []
        for predicate, objects in predicates.items():
            values = [nested(obj, depth) for obj in objects]
            parts.append(f"{term(predicate)} " + f",\n{indent}{_INDENT}".join(values))
        return f" ;\n{indent}".join(parts)

    def nested(obj, depth: int) -> str:
        if obj in inline:
            return f"[\n{_INDENT * (depth + 1)}{properties(subjects[obj], depth + 1)}\n{_INDENT * depth}]"
        return term(obj)

    for subject, predicates in subjects.items():
        if subject not in inline:
            body.append(f"{term(subject)} {properties(predicates, 1)} .\n\n")
    header = "".join(f"@prefix {prefix}: {_iri(str(prefixes[prefix]))} .\n" for prefix in sorted(term.used))
    return header + ("\n" if header else "") + "".join(body)


def _reached(subjects: Mapping, candidates: set) -> set:
    """The candidates reachable from the subjects that are not candidates."""
    reached: set = set()
    stack = [s for s in subjects if s not in candidates]
    while stack:
        for objects in subjects[stack.pop()].values():
            for obj in objects:
                if obj in candidates and obj not in reached:
                    reached.add(obj)
                    stack.append(obj)
    return reached
