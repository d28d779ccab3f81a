"""The notification record, as the inbox's `?format=json` twin writes it (apertura/common/records.py). An inbox
is private to its owner: there is no public API for it."""

import datetime as dt

from ninja import Schema


class NotificationOut(Schema):
    kind: str
    title: str
    body: str
    url: str
    sent: dt.datetime
    read: dt.datetime | None

    @staticmethod
    def resolve_sent(obj) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_read(obj) -> dt.datetime | None:
        return obj.read_at
