"""Dates as people type them into a filter: a year, a year and month, or a full date, each
the inclusive range of days it names. The CLI, the web form and the API all go through
`date_range`, so `--from 2020 --to 2020` means the whole of 2020 everywhere."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from namndsok.errors import NamndsokError

_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december")


class DateError(NamndsokError, ValueError):
    """Text that is not a date we read. `swedish` is the same as one or more whole Swedish
    sentences for the app, naming every field that is wrong; `problems` holds them by field."""

    def __init__(self, text: str, english: str | None = None, swedish: str | None = None,
                 problems: dict[str, str] | None = None):
        self.text = text
        self.problems = problems or {}
        self.swedish = swedish or f"Datumet '{text}' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD."
        super().__init__(english or f"{text!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")


def _problem(text: str) -> tuple[str, str] | None:
    """Why `text` is not a date, as (English, Swedish after its subject), or None when it is one.
    A date written right but naming a month or day that does not exist is told so, not told
    how to write dates."""
    shown = str(text).strip()
    m = _DATE_RE.fullmatch(shown)
    if not m or int(m[1]) < 1:
        return (f"{shown!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD",
                f"'{shown}' ska skrivas ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD")
    year = int(m[1])
    if m[2] is not None and not 1 <= int(m[2]) <= 12:
        return (f"{shown!r} does not exist: there is no month {int(m[2])}",
                f"'{shown}' finns inte: det finns ingen månad {int(m[2])}")
    if m[3] is not None:
        month = int(m[2])
        last = calendar.monthrange(year, month)[1]
        if not 1 <= int(m[3]) <= last:
            return (f"{shown!r} does not exist: {calendar.month_name[month]} {year} has {last} days",
                    f"'{shown}' finns inte: {MONTHS[month - 1]} {year} har {last} dagar")
    return None


def date_range(text: str, subject: str = "Datumet") -> tuple[str, str]:
    """The first and last day `text` names, as ISO dates (inclusive):
    "2020" → ("2020-01-01", "2020-12-31"), "2020-02" → ("2020-02-01", "2020-02-29").
    `subject` begins the Swedish sentence of the error ("Från-datumet '2020-13-45' finns inte: …")."""
    problem = _problem(text)
    if problem:
        sentence = f"{subject} {problem[1]}."
        raise DateError(text, problem[0], sentence, {subject: sentence})
    m = _DATE_RE.fullmatch(str(text).strip())
    year, month, day = int(m[1]), m[2], m[3]
    if month is None:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month_i = int(month)
    if day is None:
        last = calendar.monthrange(year, month_i)[1]
        return f"{year:04d}-{month_i:02d}-01", f"{year:04d}-{month_i:02d}-{last:02d}"
    iso = dt.date(year, month_i, int(day)).isoformat()
    return iso, iso


def date_bounds(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Inclusive ISO bounds for a from/to pair as typed (empty means open). When both are
    wrong, the error names both."""
    lo = hi = None
    errors: list[DateError] = []
    for text, subject, end in ((date_from, "Från-datumet", 0), (date_to, "Till-datumet", 1)):
        if not (text and str(text).strip()):
            continue
        try:
            bound = date_range(text, subject)[end]
        except DateError as exc:
            errors.append(exc)
            continue
        lo, hi = (bound, hi) if end == 0 else (lo, bound)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise DateError(f"{date_from}–{date_to}", english="; ".join(str(e) for e in errors),
                        swedish=" ".join(e.swedish for e in errors),
                        problems={k: v for e in errors for k, v in e.problems.items()})
    if lo and hi and lo > hi:
        raise DateError(f"{date_from}–{date_to}",
                        english=f"the from date {date_from} is after the to date {date_to}",
                        swedish=f"Från-datumet {date_from} är efter till-datumet {date_to}.")
    return lo, hi
