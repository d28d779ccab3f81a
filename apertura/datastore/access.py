"""Who may read a table, and where it is downloaded.

The datastore keeps tables by key and knows nothing of the records they belong to. The app whose records the keys
name answers for them: the catalog (a table's key is its resource's id) registers itself here when Django starts
(apertura/catalog/apps.py). Until an owner registers, the datastore's API shows no table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class TableOwner(Protocol):
    def visible(self, key: str, user=None) -> bool:
        """Whether `user` (anonymous when None) may read table `key`."""
        ...

    def download_paths(self, key: str, formats: Iterable[str]) -> dict[str, str]:
        """The path that downloads table `key` in each of `formats`."""
        ...


_owner: TableOwner | None = None


def register_owner(owner: TableOwner) -> None:
    global _owner
    _owner = owner


def table_visible(key: str, user=None) -> bool:
    return _owner is not None and _owner.visible(key, user)


def download_paths(key: str, formats: Iterable[str]) -> dict[str, str]:
    return {} if _owner is None else _owner.download_paths(key, formats)
