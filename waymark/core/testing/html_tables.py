"""Read a table of a rendered page the way a person reads it: rows of cell texts."""

from __future__ import annotations

from html.parser import HTMLParser


class _TableReader(HTMLParser):
    """Collects the rows of the table with the id asked for (its `th` and `td` cells' text,
    spaces collapsed), leaving out what sits in a `details` (a definition under a heading)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # tables open inside the one wanted, counting it
        self.in_details = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
            self.found = True
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("th", "td"):
            self.cell = []
        elif self.depth and tag == "details":
            self.in_details += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth and tag == "details":
            self.in_details -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.in_details:
            self.cell.append(data)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The rows (header rows too) of the table `table_id` in `page`; fails if there is none."""
    reader = _TableReader(table_id)
    reader.feed(page)
    if not reader.found:
        raise AssertionError(f"the page has no table with id {table_id!r}")
    return reader.rows
