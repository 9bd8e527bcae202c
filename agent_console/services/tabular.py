"""Tables written to CSV and XLSX files, where text that looks like a formula stays text.

A caller's words, a note or a title that starts with ``=``, ``+``, ``-`` or ``@`` would run as
a formula in Excel (``=HYPERLINK(…)``): in a workbook every text cell is typed as text; in a
CSV, which has no types, such a cell gets a leading apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def save_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])


def save_xlsx(path: Path, sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> None:
    """One sheet per (name, headers, rows); every str cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(name[:31])

        def cells(values):
            out = []
            for v in values:
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"
                out.append(cell)
            return out

        ws.append(cells(headers))
        for row in rows:
            ws.append(cells(row))
    wb.save(path)
