"""CSV cells that a spreadsheet will not run as formulas (OWASP's "CSV injection").

A cell beginning with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula; a title like `=HYPERLINK(…)` in a download would run on the
researcher's machine. Such text cells are written with a leading apostrophe, which spreadsheets
show as text and do not display; the importers take it off again, so a file we wrote reads back
to the same values. To keep that exact, a text that already begins with apostrophes before one
of those characters gets one more (and loses one when read).
"""

import csv
import re

# The patterns are written so that Python's re and PostgreSQL's regular expressions read them
# alike (\A and \Z, ASCII digits spelled out): incidents.csv_in_sql neutralises cells in SQL
# with these very strings.
FORMULA_START_PATTERN = r"\A'*[=+\-@\t\r]"
ESCAPED_PATTERN = r"\A''*[=+\-@\t\r]"
# A plain number such as a negative longitude is data, not a formula: it stays as it is.
NUMBER_PATTERN = r"\A[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z"
FORMULA_START = re.compile(FORMULA_START_PATTERN)
ESCAPED = re.compile(ESCAPED_PATTERN)
NUMBER = re.compile(NUMBER_PATTERN)
FIRST_CHARACTERS = frozenset("'=+-@\t\r")


def neutralised(value):
    """The cell as written to CSV: text that a spreadsheet would run gets a leading "'"."""
    if (
        isinstance(value, str)
        and value
        and value[0] in FIRST_CHARACTERS
        and FORMULA_START.match(value)
        and not NUMBER.match(value)
    ):
        return "'" + value
    return value


def restored(text):
    """The value a neutralised() cell stood for (the importers read every cell through it)."""
    if text and text[0] == "'" and ESCAPED.match(text) and not NUMBER.match(text[1:]):
        return text[1:]
    return text


class SafeWriter:
    """csv.writer whose rows go through neutralised()."""

    def __init__(self, buffer, **options):
        self.writer = csv.writer(buffer, **options)

    def writerow(self, row):
        return self.writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
