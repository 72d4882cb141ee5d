"""The test helper that reads a page's table as a person would: what it leaves out."""

from waymark.core.testing.html_tables import table_rows

PAGE = """
<table id="t">
  <tr><th>Metric</th><th>Value</th></tr>
  <tr>
    <th>M1 <details><summary>Definition</summary>Long words</details></th>
    <td><span aria-hidden="true">Value <span>nested</span></span>12<img aria-hidden="true" src="x.png"> %</td>
  </tr>
  <tr><th>M2</th><td>3</td></tr>
</table>
<table id="other"><tr><td>not this</td></tr></table>
"""


def test_the_reader_leaves_out_definitions_and_what_is_aria_hidden_and_reads_on_after_a_void_element():
    assert table_rows(PAGE, "t") == [["Metric", "Value"], ["M1", "12 %"], ["M2", "3"]]
