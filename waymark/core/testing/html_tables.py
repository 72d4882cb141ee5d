"""Read a table of a rendered page the way a person reads it: rows of cell texts."""

from __future__ import annotations

from html.parser import HTMLParser

# Elements with no end tag (HTML's void elements).
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


class _TableReader(HTMLParser):
    """Collects the rows of the table with the id asked for (its `th` and `td` cells' text,
    spaces collapsed), leaving out what sits in a `details` (a definition under a heading) and
    what is `aria-hidden` (a card's label, which a screen reader takes from the column header)."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # tables open inside the one wanted, counting it
        self.in_details = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.found = False
        self.hidden_tag: str | None = None  # the aria-hidden element being skipped
        self.hidden = 0  # elements of its tag name open, counting it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden_tag is not None:
            self.hidden += tag == self.hidden_tag
        elif self.depth and dict(attrs).get("aria-hidden") == "true" and tag not in _VOID:
            # A void element has no end tag to wait for, and holds no text to leave out.
            self.hidden_tag, self.hidden = tag, 1
        elif tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
            self.found = True
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("th", "td"):
            self.cell = []
        elif self.depth and tag == "details":
            self.in_details += 1

    def handle_endtag(self, tag: str) -> None:
        if self.hidden_tag is not None:
            if tag == self.hidden_tag:
                self.hidden -= 1
                self.hidden_tag = self.hidden_tag if self.hidden else None
        elif tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth and tag == "details":
            self.in_details -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.in_details and self.hidden_tag is None:
            self.cell.append(data)


def table_rows(page: str, table_id: str) -> list[list[str]]:
    """The rows (header rows too) of the table `table_id` in `page`; fails if there is none."""
    reader = _TableReader(table_id)
    reader.feed(page)
    if not reader.found:
        raise AssertionError(f"the page has no table with id {table_id!r}")
    return reader.rows
