"""The generic register format: our own fields, as CSV or as JSON.

Any regulator's export can be brought into this shape; use it when no adapter reads the
regulator's own export. (The same text is in GENERIC_FORMAT.md beside this module.)

Fields
------
==================== ======== ===========================================================
field                required meaning
==================== ======== ===========================================================
registration_number  yes      the number on the register, at most 40 characters; spaces
                              and invisible format characters are ignored and letters
                              compared in capitals
name                 yes      the name on the register, at most 200 characters
previous_names       no       earlier names, separated by semicolons (";"); in JSON also
                              a list of strings
status               yes      one of ``registered``, ``conditions``, ``suspended``,
                              ``lapsed``, ``removed`` (case does not matter)
conditions           no       the conditions or restrictions on practice, as text
valid_from           no       ISO 8601 date, ``YYYY-MM-DD``
valid_until          no       ISO 8601 date, ``YYYY-MM-DD``, not before valid_from
contact_email        no       the registrant's email address as the regulator holds it;
                              never published: Casework sends only the one-time codes
                              that prove control of a registration there
==================== ======== ===========================================================

Column and key names are compared without regard to case, spaces, hyphens or underscores;
other columns or keys are ignored. Invisible format characters (such as zero-width spaces) and
spaces around a value are dropped. Each registration number appears once. The file is the whole
register (never split it; the size limit is CASEWORK_REGISTER_IMPORT_MAX_MB): an entry of ours
that is not in the file is marked "not in the latest reading" (its credential suspended, until a
later file lists it again) and, if the next file lacks it too, removed; an entry the file says is
removed is removed at once. A file that would suspend or remove more than 2 % of the entries
held, or more than 50, is applied only after a second confirmation naming that count.

Files are UTF-8 (a byte order mark is allowed) or Windows-1252, decided for the whole file.

CSV (``generic-csv``): comma-separated, a header row first, values with commas, quotes or line
breaks in double quotes (RFC 4180). Every row has as many values as the header has columns; a
row with more or fewer is a bad row (an unquoted comma is never guessed around)::

    registration_number,name,previous_names,status,conditions,valid_from,valid_until
    SW100001,Amara Okafor,Amara Eze,registered,,2019-04-01,2026-11-30
    SW100002,"Berg, Jonas",,conditions,"Supervised practice only",2020-01-15,

JSON (``generic-json``): a list of entry objects, or an object with an ``entries`` list (other
keys, such as when the export was made, are ignored)::

    {"entries": [
      {"registration_number": "SW100001", "name": "Amara Okafor",
       "previous_names": ["Amara Eze"], "status": "registered",
       "valid_from": "2019-04-01", "valid_until": "2026-11-30"}
    ]}

JSON is read as a stream, one entry at a time, so a register of any size within the upload limit
is read in bounded memory; one entry may be at most 1 MiB. A bad row's line is the line where
its entry starts, and its reason names the entry's position in the list (entry 1 is the first),
which also locates it in a file written on a single line.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.registry.importers.base import (
    FIELDS,
    CsvFormat,
    ImporterFormat,
    RowChecker,
    column_key,
)
from casework.registry.importers.decoding import TextStream
from casework.registry.importers.rows import BadRow, RegisterRow, UnreadableFile
from casework.registry.models import REGISTER_STATUSES

GENERIC_STATUS_WORDS = {status.value: status for status in REGISTER_STATUSES}
GENERIC_DATE_FORMATS = ("%Y-%m-%d",)
MAX_ENTRY_CHARS = 1024 * 1024


class GenericCsv(CsvFormat):
    name = "generic-csv"
    label = gettext_lazy("Generic CSV")
    description = "Our documented format as CSV: registration_number, name, status, ..."
    columns = {**{field: (field,) for field in FIELDS}, "contact_email": ("contact_email",)}
    status_words = GENERIC_STATUS_WORDS
    date_formats = GENERIC_DATE_FORMATS


class GenericJson(ImporterFormat):
    name = "generic-json"
    label = gettext_lazy("Generic JSON")
    description = 'Our documented format as JSON: a list of entries, or {"entries": [...]}.'

    def parse(self, text: TextStream) -> Iterator[RegisterRow | BadRow]:
        # The checker is closed however the reading ends (its numbers are on disk).
        with RowChecker(
            status_words=GENERIC_STATUS_WORDS, date_formats=GENERIC_DATE_FORMATS
        ) as checker:
            fields = {column_key(field): field for field in (*FIELDS, "contact_email")}
            position = 0
            for line, entry in JsonEntries(text.chunks()):
                position += 1
                if not isinstance(entry, dict):
                    yield BadRow(
                        line=line,
                        reason=_("entry {position}: an entry must be an object").format(
                            position=position
                        ),
                    )
                    continue
                values = {
                    fields[key]: value
                    for k, value in entry.items()
                    if (key := column_key(k)) in fields
                }
                result = checker.check(line, values)
                if isinstance(result, BadRow):
                    result = BadRow(
                        line=line,
                        reason=_("entry {position}: {reason}").format(
                            position=position, reason=result.reason
                        ),
                    )
                yield result
            if position == 0:
                raise UnreadableFile(_("The JSON has no entries."))


_WHITESPACE = re.compile(r"[ \t\n\r]*")


class JsonEntries:
    """The entries of ``[...]`` or ``{"entries": [...], ...}``, decoded one at a time from a
    stream of text chunks, each with the line it starts on. Holds one entry (at most
    ``MAX_ENTRY_CHARS``) and one chunk in memory."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._decoder = json.JSONDecoder()
        self._buffer = ""
        self._position = 0
        self._at_end = False
        # Line number at _line_position in the buffer (positions only move forward).
        self._line = 1
        self._line_position = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        opening = self._skip_whitespace()
        if opening == "[":
            self._position += 1
            yield from self._list()
        elif opening == "{":
            self._position += 1
            yield from self._object()
        elif opening == "":
            raise UnreadableFile(_("The file is empty."))
        else:
            raise self._malformed(
                _('the JSON must be a list of entries or an object with an "entries" list')
            )
        if self._skip_whitespace() != "":
            raise self._malformed(_("there is more after the end of the JSON"))

    def _object(self) -> Iterator[tuple[int, Any]]:
        found = False
        if self._skip_whitespace() == "}":
            self._position += 1
        else:
            while True:
                key = self._value()
                if not isinstance(key, str):
                    raise self._malformed(_("expecting a key in double quotes"))
                self._expect(":")
                if key == "entries":
                    self._expect("[")
                    found = True
                    yield from self._list()
                else:
                    self._value()
                following = self._skip_whitespace()
                self._position += 1
                if following == "}":
                    break
                if following != ",":
                    self._position -= 1
                    raise self._malformed(_('expecting "," or "}"'))
        if not found:
            raise UnreadableFile(_('The JSON object has no "entries" list.'))

    def _list(self) -> Iterator[tuple[int, Any]]:
        if self._skip_whitespace() == "]":
            self._position += 1
            return
        while True:
            line = self._line_at(self._position)
            yield line, self._value()
            following = self._skip_whitespace()
            self._position += 1
            if following == "]":
                return
            if following != ",":
                self._position -= 1
                raise self._malformed(
                    _('expecting "," or "]" after the entry that starts on line {line}').format(
                        line=line
                    )
                )
            if self._skip_whitespace() == "]":
                raise self._malformed(_('a "," is followed by no entry'))

    def _expect(self, token: str) -> None:
        if self._skip_whitespace() != token:
            raise self._malformed(_('expecting "{token}"').format(token=token))
        self._position += 1

    def _value(self) -> Any:
        self._skip_whitespace()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._position)
            except json.JSONDecodeError as error:
                # Perhaps the value goes on in the next chunk: read on, within the limit.
                if self._within_limit() and self._fill():
                    continue
                problem = error.msg
                if not self._at_end:
                    problem = _(
                        "an entry is malformed or longer than {limit} characters ({problem})"
                    ).format(limit=MAX_ENTRY_CHARS, problem=error.msg)
                raise self._malformed(problem, position=error.pos) from error
            if end == len(self._buffer) and self._within_limit() and self._fill():
                continue  # a number may go on in the next chunk
            self._position = end
            return value

    def _within_limit(self) -> bool:
        return len(self._buffer) - self._position <= MAX_ENTRY_CHARS

    def _skip_whitespace(self) -> str:
        """The next character that is not whitespace (not consumed), or "" at the end."""
        while True:
            match = _WHITESPACE.match(self._buffer, self._position)
            self._position = match.end() if match else self._position
            if self._position < len(self._buffer):
                return self._buffer[self._position]
            if not self._fill():
                return ""

    def _fill(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            self._at_end = True
            return False
        if self._position:
            # Drop what has been read, counting its lines first.
            self._line_at(self._position)
            self._buffer = self._buffer[self._position :]
            self._line_position -= self._position
            self._position = 0
        self._buffer += chunk
        return True

    def _line_at(self, position: int) -> int:
        self._line += self._buffer.count("\n", self._line_position, position)
        self._line_position = position
        return self._line

    def _malformed(self, problem: str, *, position: int | None = None) -> UnreadableFile:
        at = self._position if position is None else position
        return UnreadableFile(
            _("The JSON is malformed at line {line}: {problem}.").format(
                line=self._line_at(max(at, self._line_position)), problem=problem
            )
        )
