"""Tables as the reports show them, and their exports: CSV and XLSX for every table, the same rows.

A spreadsheet treats a cell that starts with "=", "+", "-", "@", a tab or a carriage return as a formula. In
CSV, `safe_cell` puts an apostrophe before such text (a screen named "=HYPERLINK(...)" stays text); in XLSX
every text cell is stored as a string cell, never a formula. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a (lazy) translated string
    kind: str = "text"  # text | int | float | pct | money | date | datetime


@dataclass
class Table:
    key: str
    title: object
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    #: per row, {column key: drill-down spec} — a dict of URL parameters for reports.views.rows
    drill: list[dict] = field(default_factory=list)
    note: object = ""

    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def values(self) -> Iterable[list]:
        for row in self.rows:
            yield [row.get(c.key) for c in self.columns]


def safe_cell(value):
    """A value a spreadsheet will not run: numbers as they are, text that looks like a formula escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (bool, int, float, date)):
        return value
    return str(value)


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff" + out.getvalue()  # a BOM, so spreadsheet programs read the Vietnamese as UTF-8


def csv_stream(header: list[str], chunks: Iterable[Iterable[Iterable]]) -> Iterator[str]:
    """CSV text piece by piece (a header, then one piece per chunk of rows), for long drill-downs."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    yield "\ufeff" + out.getvalue()
    for chunk in chunks:
        out.seek(0)
        out.truncate()
        for row in chunk:
            writer.writerow([safe_cell(v) for v in row])
        yield out.getvalue()


def table_csv(table: Table) -> str:
    return csv_text(table.header(), table.values())


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One sheet per table (titles shortened to Excel's 31 characters)."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        title = "".join(ch for ch in str(table.title) if ch not in '[]:*?/\\')[:28] or table.key[:28]
        name, n = title, 1
        while name in used:
            n += 1
            name = f"{title[:25]} {n}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append(table.header())
        for cell in sheet[1]:
            cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.values():
            sheet.append([_xlsx_value(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "="
        for i, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = 14 if column.kind != "text" else 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
