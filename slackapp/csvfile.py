"""CSV files people open in a spreadsheet (rosters, passport records)."""

from __future__ import annotations

from collections.abc import Iterable


def inert_cell(value: object) -> object:
    """A spreadsheet reads a cell starting with = + - @ (or a tab or CR before them) as a formula;
    a leading apostrophe keeps it text (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    # Loaded on use: the serving processes seldom write a file.
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([inert_cell(value) for value in row])
    return out.getvalue()
