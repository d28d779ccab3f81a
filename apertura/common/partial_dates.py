"""Dates known to a year, a month or a day.

Action plans give most milestone dates as a month ("January 2022"). Storing the first day of the month
would invent a precision the plan never had, so every such date travels with its precision.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    YEAR = "year", _("year")
    MONTH = "month", _("month")
    DAY = "day", _("day")


_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    date: dt.date
    precision: str

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError with a readable reason."""
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"«{text}» is not a date written as YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.groups()
        try:
            date = dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError as error:
            raise ValueError(f"«{text}» is not a real date ({error})") from None
        precision = Precision.DAY if day else Precision.MONTH if month else Precision.YEAR
        return cls(date, str(precision))

    def isoformat(self) -> str:
        if self.precision == Precision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    def last_day(self) -> dt.date:
        """The last day the date can mean: an end in "May 2023" runs to 31 May 2023."""
        if self.precision == Precision.YEAR:
            return dt.date(self.date.year, 12, 31)
        if self.precision == Precision.MONTH:
            next_month = (self.date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return next_month - dt.timedelta(days=1)
        return self.date

    def display(self) -> str:
        """The date in the active language, never more precise than it is."""
        if self.precision == Precision.YEAR:
            return str(self.date.year)
        if self.precision == Precision.MONTH:
            return formats.date_format(self.date, "YEAR_MONTH_FORMAT")
        return formats.date_format(self.date, "DATE_FORMAT")

    def __str__(self) -> str:
        return self.isoformat()


def partial(date: dt.date | None, precision: str) -> PartialDate | None:
    return PartialDate(date, precision) if date else None
