"""What every register format shares: the ``ImporterFormat`` interface, the checks every row
passes (``RowChecker``) and a CSV reader that maps a format's column names to our fields
(``CsvFormat``).

A format maps the regulator's words to ours; the checks are the same for all:

* a CSV row has exactly as many values as the header has columns; any other count is a bad row
  (a value is never moved into another column: an unquoted comma would shift every value after
  it);
* invisible format characters (zero-width spaces, byte order marks...) are dropped from every
  value, and spaces around it (``names.py`` is the one home of this cleaning);
* required fields: registration number, name, status;
* registration numbers are compared without spaces and in capitals (as claims are), at most
  40 characters, once per file (a later duplicate is a bad row naming the earlier line; the
  lines are kept on disk, ``FirstLines``, so a million rows take no more memory than a few);
* names at most 200 characters, spaces collapsed; previous names split on the format's
  separator;
* status words matched without regard to case or spacing; an unknown word is a bad row naming it;
* dates in one of the format's accepted formats, and never ending before they start.
"""

import abc
import csv
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from itertools import chain
from types import TracebackType
from typing import ClassVar, Self

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from casework.registry.importers.decoding import TextStream
from casework.registry.importers.rows import BadRow, RegisterRow, UnreadableFile
from casework.registry.models import RegistrationStatus
from casework.registry.names import (
    clean_register_name,
    normalise_registration_number,
    without_format_characters,
)

FIELDS = (
    "registration_number",
    "name",
    "previous_names",
    "status",
    "conditions",
    "valid_from",
    "valid_until",
)
REQUIRED_FIELDS = ("registration_number", "name", "status")
MAX_NUMBER_CHARS = 40  # RegisterEntry.registration_number
MAX_NAME_CHARS = 200  # RegisterEntry.name, and each previous name
MAX_CONDITIONS_CHARS = 10_000
MAX_PREVIOUS_NAMES = 20

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_PARTS = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%B": "Month", "%b": "Mon"}


def column_key(name: str) -> str:
    """A column name compared without regard to case, spacing or punctuation:
    "Registration Number", "registration_number" and "REGISTRATION-NUMBER" are one column."""
    return _NOT_ALPHANUMERIC.sub(" ", without_format_characters(name).casefold()).strip()


def word_key(word: str) -> str:
    """A status word compared without regard to case or spacing."""
    return " ".join(without_format_characters(word).casefold().split())


def describe_date_format(strptime_format: str) -> str:
    """ "%d/%m/%Y" as people write it: "dd/mm/yyyy"."""
    described = strptime_format
    for code, words in _DATE_PARTS.items():
        described = described.replace(code, words)
    return described


class ImporterFormat(abc.ABC):
    """A register export format: reads decoded text and yields rows in our vocabulary."""

    name: ClassVar[str]
    label: ClassVar[str | Promise]  # shown to officers, in their language
    description: ClassVar[str]
    # Slugs of the regulators whose exports this format reads; empty means any regulator.
    regulators: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def parse(self, text: TextStream) -> Iterator[RegisterRow | BadRow]:
        """Each row of the export, read into our vocabulary or reported with its line."""

    def serves(self, regulator_slug: str) -> bool:
        return not self.regulators or regulator_slug in self.regulators

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


# SQLite's page cache for ``FirstLines``, in KiB (a negative cache_size is KiB): what it holds
# in memory whatever the file's size; the rest of its table waits in a temporary file.
FIRST_LINES_CACHE_KIB = 4096


class FirstLines:
    """The line each registration number of one file was first read on, to name it when the
    number comes again.

    Kept in a private temporary SQLite database (its own, never the site's: the reader runs
    the same on PostgreSQL and in tests without a database) whose table is keyed by the
    number: SQLite holds at most ``FIRST_LINES_CACHE_KIB`` of it in memory and the rest in a
    temporary file, deleted when it closes. A dict of number -> line grew the reader by about
    125 bytes a row (120 MiB at a million rows); this stays at the cache's size, for about
    2-3 microseconds a row when numbers come in order (7 when shuffled, at a million)."""

    def __init__(self) -> None:
        # "" opens a private temporary database on disk, removed when it is closed.
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size = -{FIRST_LINES_CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")  # nothing here outlives the reading
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE first_line (number TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID"
        )
        self._db.execute("BEGIN")  # one transaction: no commit per row
        self._execute = self._db.execute

    def first_line(self, number: str, line: int) -> int:
        """The line ``number`` was first read on: ``line`` when this is its first time."""
        if self._execute(_REMEMBER_LINE, (number, line)).rowcount:
            return line
        (earlier,) = self._execute(_FIRST_LINE, (number,)).fetchone()
        return int(earlier)

    def close(self) -> None:
        self._db.close()


_REMEMBER_LINE = "INSERT OR IGNORE INTO first_line (number, line) VALUES (?, ?)"
_FIRST_LINE = "SELECT line FROM first_line WHERE number = ?"


class RowChecker:
    """Turns one row's raw values (field name -> text, a list for previous names, or None)
    into a ``RegisterRow``, or a ``BadRow`` listing every problem found in it.

    One checker reads one file: it remembers each registration number's line to report
    duplicates (``FirstLines``), until it is closed; use it as a context manager."""

    def __init__(
        self,
        *,
        status_words: Mapping[str, RegistrationStatus],
        date_formats: Sequence[str],
        previous_names_separator: str = ";",
        conditions_imply_status: bool = False,
    ) -> None:
        self._status_words = {word_key(word): status for word, status in status_words.items()}
        self._known_words = ", ".join(f'"{word}"' for word in status_words)
        self._date_formats = tuple(date_formats)
        self._date_formats_described = ", ".join(
            describe_date_format(fmt) for fmt in self._date_formats
        )
        self._separator = previous_names_separator
        self._conditions_imply_status = conditions_imply_status
        self._first_lines: FirstLines | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Forget the numbers read (their temporary file goes)."""
        if self._first_lines is not None:
            self._first_lines.close()
            self._first_lines = None

    def check(self, line: int, values: Mapping[str, object]) -> RegisterRow | BadRow:
        problems: list[str] = []
        number = normalise_registration_number(self._text(values, "registration_number", problems))
        name = clean_register_name(self._text(values, "name", problems))
        previous_names = self._previous_names(values.get("previous_names"), problems)
        status = self._status(self._text(values, "status", problems), problems)
        conditions = self._text(values, "conditions", problems).strip()
        valid_from = self._date(values, "valid_from", problems)
        valid_until = self._date(values, "valid_until", problems)
        contact_email = self._contact_email(values, problems)

        if not number:
            problems.append(_("the registration number is missing"))
        elif len(number) > MAX_NUMBER_CHARS:
            problems.append(
                _("the registration number is longer than {limit} characters").format(
                    limit=MAX_NUMBER_CHARS
                )
            )
        if not name:
            problems.append(_("the name is missing"))
        elif len(name) > MAX_NAME_CHARS:
            problems.append(
                _("the name is longer than {limit} characters").format(limit=MAX_NAME_CHARS)
            )
        if len(conditions) > MAX_CONDITIONS_CHARS:
            problems.append(
                _("the conditions are longer than {limit} characters").format(
                    limit=MAX_CONDITIONS_CHARS
                )
            )
        if valid_from and valid_until and valid_until < valid_from:
            problems.append(
                _("valid until ({until}) is before valid from ({start})").format(
                    until=valid_until.isoformat(), start=valid_from.isoformat()
                )
            )
        if number and len(number) <= MAX_NUMBER_CHARS:
            if self._first_lines is None:  # opened on the first number, closed with the checker
                self._first_lines = FirstLines()
            earlier = self._first_lines.first_line(number, line)
            if earlier != line:
                problems.append(
                    _("registration number {number} is already on line {line}").format(
                        number=number, line=earlier
                    )
                )
        if problems or status is None:
            return BadRow(line=line, reason="; ".join(problems))
        if self._conditions_imply_status and conditions and status == RegistrationStatus.REGISTERED:
            status = RegistrationStatus.CONDITIONS
        return RegisterRow(
            line=line,
            registration_number=number,
            name=name,
            previous_names=previous_names,
            status=status,
            conditions=conditions,
            valid_from=valid_from,
            valid_until=valid_until,
            contact_email=contact_email,
        )

    @classmethod
    def _contact_email(cls, values: Mapping[str, object], problems: list[str]) -> str:
        """The registrant's contact address, where the export gives one. Its value never
        appears in a reason: it is not published anywhere."""
        address = cls._text(values, "contact_email", problems).strip()
        if not address:
            return ""
        try:
            validate_email(address)
        except ValidationError:
            problems.append(_("the contact email is not an email address"))
            return ""
        return address

    @staticmethod
    def _text(values: Mapping[str, object], field: str, problems: list[str]) -> str:
        value = values.get(field)
        if value is None:
            return ""
        if type(value) is str:  # what a CSV gives: the checks below let it through as it is
            return without_format_characters(value).strip()
        if isinstance(value, bool) or not isinstance(value, str | int):
            problems.append(_("{field} must be text").format(field=field))
            return ""
        return without_format_characters(str(value)).strip()

    def _previous_names(self, value: object, problems: list[str]) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, str):
            parts: list[object] = list(value.split(self._separator))
        elif isinstance(value, list):
            parts = value
        else:
            problems.append(_("previous_names must be text or a list of names"))
            return ()
        names: list[str] = []
        for part in parts:
            if not isinstance(part, str):
                problems.append(_("previous_names must be text or a list of names"))
                return ()
            cleaned = clean_register_name(part)
            if cleaned and cleaned not in names:
                names.append(cleaned)
        if len(names) > MAX_PREVIOUS_NAMES:
            problems.append(
                _("there are more than {limit} previous names").format(limit=MAX_PREVIOUS_NAMES)
            )
        if any(len(name) > MAX_NAME_CHARS for name in names):
            problems.append(
                _("a previous name is longer than {limit} characters").format(limit=MAX_NAME_CHARS)
            )
        return tuple(names)

    def _status(self, word: str, problems: list[str]) -> RegistrationStatus | None:
        if not word:
            problems.append(_("the status is missing"))
            return None
        status = self._status_words.get(word_key(word))
        if status is None:
            problems.append(
                _('unknown status "{word}" (this format knows {known})').format(
                    word=word, known=self._known_words
                )
            )
        return status

    def _date(self, values: Mapping[str, object], field: str, problems: list[str]) -> date | None:
        text = self._text(values, field, problems)
        if not text:
            return None
        for fmt in self._date_formats:
            if fmt == "%Y-%m-%d" and _ISO_DATE.fullmatch(text):
                try:
                    return date.fromisoformat(text)
                except ValueError:
                    continue
            try:
                return datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a date, no time zone)
            except ValueError:
                continue
        problems.append(
            _('{field} "{value}" is not a date in the accepted format ({formats})').format(
                field=field, value=text, formats=self._date_formats_described
            )
        )
        return None


_CSV_PROBLEMS = {
    "unexpected end of data": gettext_noop(
        "a quoted value is never closed (a quote mark is missing)"
    ),
    "field larger than field limit": gettext_noop(
        "a value is too long (a quote mark is probably missing)"
    ),
}


class CsvFormat(ImporterFormat):
    """A CSV export with a header row. Subclasses name the columns they read for each field
    (compared by ``column_key``), the status words, the date formats and the separators."""

    # Our field -> the column names that hold it in this format, preferred first.
    columns: ClassVar[Mapping[str, tuple[str, ...]]]
    status_words: ClassVar[Mapping[str, RegistrationStatus]]
    date_formats: ClassVar[tuple[str, ...]]
    # Fields the file must have a column for (a format may build one from several columns).
    required_columns: ClassVar[tuple[str, ...]] = REQUIRED_FIELDS
    # Where the name is split over columns (first, middle, last...): their aliases, in the order
    # the parts are joined. Used when the file has no single name column.
    name_parts: ClassVar[tuple[tuple[str, ...], ...]] = ()
    delimiters: ClassVar[tuple[str, ...]] = (",",)
    previous_names_separator: ClassVar[str] = ";"
    # "Registered" with conditions listed reads as "registered with conditions".
    conditions_imply_status: ClassVar[bool] = False

    def __init__(self) -> None:
        # Column names as compared (``column_key``), computed once rather than on every row.
        self._column_keys = {
            field: tuple(column_key(alias) for alias in aliases)
            for field, aliases in self.columns.items()
        }
        self._name_part_keys = tuple(
            tuple(column_key(alias) for alias in aliases) for aliases in self.name_parts
        )

    def checker(self) -> RowChecker:
        return RowChecker(
            status_words=self.status_words,
            date_formats=self.date_formats,
            previous_names_separator=self.previous_names_separator,
            conditions_imply_status=self.conditions_imply_status,
        )

    def values(self, record: Mapping[str, str]) -> dict[str, object]:
        """This row's raw value for each field, from the row keyed by ``column_key``; a name
        split over columns is joined (see ``name_parts``)."""
        picked: dict[str, object] = {}
        for field, keys in self._column_keys.items():
            value = _pick(record, keys)
            if value is not None:
                picked[field] = value
        if self._name_part_keys and not picked.get("name"):
            parts = (_pick(record, keys) for keys in self._name_part_keys)
            picked["name"] = " ".join(part.strip() for part in parts if part and part.strip())
        return picked

    def parse(self, text: TextStream) -> Iterator[RegisterRow | BadRow]:
        lines = text.lines()
        first_line = next(lines, "")
        delimiter = max(self.delimiters, key=first_line.count)
        reader = csv.reader(chain([first_line], lines), delimiter=delimiter, strict=True)
        header = self._read_header(reader)
        # The checker is closed however the reading ends (its numbers are on disk).
        with self.checker() as checker:
            seen_any = False
            while True:
                start = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    problem = _CSV_PROBLEMS.get(str(error), str(error))
                    raise UnreadableFile(
                        _(
                            "The CSV file is malformed in the row starting on line {line}: "
                            "{problem}."
                        ).format(line=start, problem=_(problem))
                    ) from error
                if not any(cell.strip() for cell in record):
                    continue  # blank lines carry nothing
                seen_any = True
                if len(record) != len(header):
                    # Never guess which value moved: the whole row is refused, nothing in it used.
                    yield BadRow(line=start, reason=_count_mismatch(len(record), len(header)))
                    continue
                yield checker.check(start, self.values(dict(zip(header, record, strict=True))))
            if not seen_any:
                raise UnreadableFile(_("The file has a header row but no entries."))

    def _read_header(self, reader: Iterator[list[str]]) -> list[str]:
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise UnreadableFile(
                _("The header row (line 1) is malformed: {problem}.").format(problem=error)
            ) from error
        if not header or not any(cell.strip() for cell in header):
            raise UnreadableFile(
                _("Line 1 should be the header row, naming the columns; it is empty.")
            )
        keys = [column_key(cell) for cell in header]
        present = set(keys)
        for field in self.required_columns:
            aliases = self.columns.get(field, ())
            if field == "name":
                aliases += tuple(alias for part in self.name_parts for alias in part)
            if not any(column_key(alias) in present for alias in aliases):
                raise UnreadableFile(
                    _(
                        'The header row has no "{field}" column. This format expects one of: '
                        "{aliases}. The file's columns are: {found}."
                    ).format(
                        field=field,
                        aliases=", ".join(f'"{alias}"' for alias in aliases),
                        found=", ".join(f'"{cell.strip()}"' for cell in header),
                    )
                )
        return keys


def _count_mismatch(count: int, columns: int) -> str:
    if count > columns:
        return _(
            "this row has {count} values but the header has {columns} columns "
            "(is a value with a comma in it not quoted?)"
        ).format(count=count, columns=columns)
    return _(
        "this row has {count} values but the header has {columns} columns "
        "(is a value missing, or a line break inside a value not quoted?)"
    ).format(count=count, columns=columns)


def _pick(record: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None
