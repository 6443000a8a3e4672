"""Reading an uploaded export as text, a chunk at a time, whatever its encoding.

Registers are exported by many systems: UTF-8 (with or without the byte order mark Excel
writes), or Windows-1252 from older Windows tools. The encoding is chosen from the first chunk:
UTF-8 when it decodes as UTF-8, Windows-1252 otherwise. A later byte that does not decode in the
chosen encoding stops the reading with a message naming its line, and so does a NUL byte (a
spreadsheet or other binary file is not a text export). The file is never read whole.
"""

import codecs
import re
from collections.abc import Iterator
from typing import Protocol

from django.utils.translation import gettext as _

from casework.registry.importers.rows import UnreadableFile

CHUNK_BYTES = 64 * 1024
# A CSV line (a record, or part of one) longer than this is not a register entry.
MAX_LINE_CHARS = 1024 * 1024
UTF8 = "utf-8"
WINDOWS_1252 = "cp1252"
_ENCODING_NAMES = {UTF8: "UTF-8", WINDOWS_1252: "Windows-1252"}
# Lines end with CRLF, LF or a lone CR (old Mac exports), as in files opened with newline="".
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)")


class BinarySource(Protocol):
    """A binary file open for reading (a Django ``File``, an ``open(..., "rb")``...)."""

    def read(self, size: int = ..., /) -> bytes: ...


class TextStream:
    """Decoded text of a binary file, read lazily: by lines (for CSV) or by chunks (for JSON).

    Read it once, one way or the other."""

    def __init__(self, source: BinarySource) -> None:
        self._source = source
        first = source.read(CHUNK_BYTES)
        if not first:
            raise UnreadableFile(_("The file is empty."))
        _refuse_binary(first, lines_before=0)
        self.encoding, self.had_bom = _choose_encoding(first)
        self._first = first[len(codecs.BOM_UTF8) :] if self.had_bom else first
        self._lines_before = 0  # newlines in the text decoded so far

    @property
    def encoding_name(self) -> str:
        return _ENCODING_NAMES[self.encoding]

    def chunks(self) -> Iterator[str]:
        """The text, in decoded chunks of about ``CHUNK_BYTES``."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        raw = self._first
        while raw:
            _refuse_binary(raw, lines_before=self._lines_before)
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError as error:
                line = self._lines_before + error.object.count(b"\n", 0, error.start) + 1
                raise UnreadableFile(
                    _(
                        "Line {line} is not {encoding} text (byte 0x{byte:02X} cannot be read). "
                        "Save the export again as UTF-8."
                    ).format(
                        line=line,
                        encoding=self.encoding_name,
                        byte=error.object[error.start],
                    )
                ) from error
            self._lines_before += text.count("\n")
            if text:
                yield text
            raw = self._source.read(CHUNK_BYTES)
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                _("The file ends in the middle of a character on line {line}.").format(
                    line=self._lines_before + 1
                )
            ) from error
        if tail:
            yield tail

    def lines(self) -> Iterator[str]:
        """The text line by line, each with its line ending, as ``csv.reader`` expects."""
        pending = ""
        line_number = 0
        for chunk in self.chunks():
            pending += chunk
            position = 0
            for match in _LINE.finditer(pending):
                line = match.group()
                if line.endswith("\r") and match.end() == len(pending):
                    break  # the LF of a CRLF may start the next chunk
                line_number += 1
                yield line
                position = match.end()
            pending = pending[position:]
            if len(pending) > MAX_LINE_CHARS:
                raise UnreadableFile(
                    _("Line {line} is longer than {limit} characters.").format(
                        line=line_number + 1, limit=MAX_LINE_CHARS
                    )
                )
        if pending:
            yield pending


def open_text(source: BinarySource) -> TextStream:
    """Start reading ``source`` (a binary file at its start) as text; see the module doc."""
    return TextStream(source)


def _choose_encoding(first: bytes) -> tuple[str, bool]:
    if first.startswith(codecs.BOM_UTF8):
        return UTF8, True
    try:
        # Not final: the chunk may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder(UTF8)(errors="strict").decode(first, final=False)
    except UnicodeDecodeError:
        return WINDOWS_1252, False
    return UTF8, False


def _refuse_binary(raw: bytes, *, lines_before: int) -> None:
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise UnreadableFile(
            _(
                "Line {line} contains a NUL byte: this is not a text export. Export the register "
                "as CSV or JSON (UTF-16 files and spreadsheets cannot be read)."
            ).format(line=lines_before + raw.count(b"\n", 0, nul) + 1)
        )
