"""Reading an uploaded export as text, a chunk at a time, whatever its encoding.

Registers are exported by many systems: UTF-8 (with or without the byte order mark Excel
writes), or Windows-1252 from older Windows tools. The encoding is decided for the whole file,
without holding it whole:

* a byte order mark says UTF-8, for good;
* otherwise the first chunk decides: Windows-1252 when it is not UTF-8, UTF-8 when it is;
* UTF-8 chosen on a first chunk that was plain ASCII is only a guess (ASCII reads the same in
  both), so when a later byte is not UTF-8 and everything before it was ASCII, the file is
  Windows-1252 and reading goes on in it: nothing read so far changes meaning;
* a byte that is not UTF-8 after UTF-8 letters means the file mixes encodings: the reading
  stops with a message naming its line, as it does for a byte Windows-1252 does not define.

A NUL byte stops the reading too (a spreadsheet or other binary file is not a text export).
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
        # Every byte decoded so far was ASCII: the choice of UTF-8 may still be revised.
        self._ascii_so_far = not self.had_bom

    @property
    def encoding_name(self) -> str:
        return _ENCODING_NAMES[self.encoding]

    def chunks(self) -> Iterator[str]:
        """The text, in decoded chunks of about ``CHUNK_BYTES``."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        raw = self._first
        while raw:
            _refuse_binary(raw, lines_before=self._lines_before)
            held = decoder.getstate()[0]  # the start of a character split between chunks
            try:
                text = decoder.decode(raw)
            except UnicodeDecodeError as error:
                if not self._may_become_windows_1252(error):
                    raise self._undecodable(error) from error
                # Only ASCII came before, which reads the same in Windows-1252: the whole file
                # is Windows-1252, and what is not yet read is read in it.
                self.encoding = WINDOWS_1252
                decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
                try:
                    text = decoder.decode(error.object)
                except UnicodeDecodeError as again:
                    raise self._undecodable(again) from again
            data = held + raw
            read = data[: len(data) - len(decoder.getstate()[0])]
            self._ascii_so_far = self._ascii_so_far and read.isascii()
            self._lines_before += text.count("\n")
            if text:
                yield text
            raw = self._source.read(CHUNK_BYTES)
        held = decoder.getstate()[0]
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            if self._may_become_windows_1252(error):
                self.encoding = WINDOWS_1252
                try:
                    tail = held.decode(WINDOWS_1252)
                except UnicodeDecodeError as again:
                    raise self._undecodable(again) from again
                yield tail
                return
            raise UnreadableFile(
                _("The file ends in the middle of a character on line {line}.").format(
                    line=self._lines_before + 1
                )
            ) from error
        if tail:
            yield tail

    def _may_become_windows_1252(self, error: UnicodeDecodeError) -> bool:
        # error.object is what the decoder held from the last chunk, then this chunk.
        return (
            self.encoding == UTF8 and self._ascii_so_far and error.object[: error.start].isascii()
        )

    def _undecodable(self, error: UnicodeDecodeError) -> UnreadableFile:
        line = self._lines_before + error.object.count(b"\n", 0, error.start) + 1
        byte = error.object[error.start]
        if self.encoding == UTF8 and not self.had_bom:
            # Had everything before been ASCII, the file would have become Windows-1252.
            return UnreadableFile(
                _(
                    "Line {line} is not UTF-8 text (byte 0x{byte:02X} cannot be read), but "
                    "earlier lines have UTF-8 letters: the file mixes encodings. Save the export "
                    "again as UTF-8."
                ).format(line=line, byte=byte)
            )
        return UnreadableFile(
            _(
                "Line {line} is not {encoding} text (byte 0x{byte:02X} cannot be read). "
                "Save the export again as UTF-8."
            ).format(line=line, encoding=self.encoding_name, byte=byte)
        )

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
