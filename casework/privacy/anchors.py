"""Where the newest seal of the audit log is written down, out of the application's reach.

An anchor keeps lines the application can add to but never change: someone who rewrites the
database (events, seals and all) and cuts the log back cannot make the anchors agree. What an
anchor line holds, and how it is checked, is ``casework.privacy.sealing``'s business; an anchor
only keeps lines. Chosen by ``CASEWORK_AUDIT_ANCHOR``.
"""

import os
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class AuditAnchor(Protocol):
    #: False for an anchor that keeps nothing (nothing to report, nothing to check).
    keeps_lines: bool

    def append(self, line: str) -> None:
        """Add one line (no newline in it) after the ones already kept."""

    def lines(self) -> list[str]:
        """Every line kept, oldest first."""


class AppendOnlyFileAnchor:
    """A file the application may only append to.

    The operator creates it and makes it append-only, so the application's user can add lines
    but not rewrite, truncate or delete it (Linux: ``chattr +a``, which only root can undo; a
    log host or WORM storage mounted there does as well). ``check --deploy`` warns when the
    file can be opened for rewriting. In development it is a plain file under ``var/``.
    """

    keeps_lines = True

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or settings.AUDIT_ANCHOR_FILE)

    def append(self, line: str) -> None:
        if "\n" in line:
            raise ValueError("an anchor line holds no newline")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(descriptor, (line + "\n").encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def lines(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    def can_be_rewritten(self) -> bool:
        """Whether this process could rewrite the file: open it for writing without
        ``O_APPEND`` (nothing is written; an append-only file refuses the open itself)."""
        try:
            descriptor = os.open(self.path, os.O_WRONLY)
        except OSError:
            return False
        os.close(descriptor)
        return True


class NullAnchor:
    """Keeps nothing: the seals' chain and MAC still show changed and inserted events, but
    cutting the newest events off the end, seals and all, goes unseen."""

    keeps_lines = False

    def append(self, line: str) -> None:
        return None

    def lines(self) -> list[str]:
        return []


@cache
def _anchor_class(path: str) -> type[AuditAnchor]:
    anchor_class: type[AuditAnchor] = import_string(path)
    return anchor_class


def get_anchor() -> AuditAnchor:
    return _anchor_class(settings.AUDIT_ANCHOR)()
