"""Dates as people type them into a filter: a year, a year and month, or a full date, each
the inclusive range of days it names. The CLI, the web form and the API all go through
`date_range`, so `--from 2020 --to 2020` means the whole of 2020 everywhere."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from namndsok.errors import NamndsokError

_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


class DateError(NamndsokError, ValueError):
    """Text that is not a date in a form we read; `swedish` is the same sentence for the app."""

    def __init__(self, text: str, english: str | None = None, swedish: str | None = None):
        self.text = text
        self.swedish = swedish or f"datumet {text!r} ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD"
        super().__init__(english or f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")


def date_range(text: str) -> tuple[str, str]:
    """The first and last day `text` names, as ISO dates (inclusive):
    "2020" → ("2020-01-01", "2020-12-31"), "2020-02" → ("2020-02-01", "2020-02-29")."""
    m = _DATE_RE.fullmatch(str(text).strip())
    if not m:
        raise DateError(text)
    year, month, day = int(m[1]), m[2], m[3]
    if year < 1:
        raise DateError(text)
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    if not 1 <= int(month) <= 12:
        raise DateError(text)
    month_i = int(month)
    if day is None:
        last = calendar.monthrange(year, month_i)[1]
        return f"{year:04d}-{month_i:02d}-01", f"{year:04d}-{month_i:02d}-{last:02d}"
    try:
        iso = dt.date(year, month_i, int(day)).isoformat()
    except ValueError:
        raise DateError(text) from None
    return iso, iso


def date_bounds(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Inclusive ISO bounds for a from/to pair as typed (empty means open)."""
    lo = date_range(date_from)[0] if date_from and str(date_from).strip() else None
    hi = date_range(date_to)[1] if date_to and str(date_to).strip() else None
    if lo and hi and lo > hi:
        raise DateError(f"{date_from}–{date_to}",
                        english=f"the from date {date_from} is after the to date {date_to}",
                        swedish=f"från-datumet {date_from} är efter till-datumet {date_to}")
    return lo, hi
