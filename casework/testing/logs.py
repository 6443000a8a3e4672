"""What every logger writes while a test runs, through the project's JSON formatter at every
level: for tests that look for content the logs must never hold (casework/shell/logs.py)."""

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from casework.shell import logs


@contextmanager
def json_logs() -> Iterator[io.StringIO]:
    """Everything every logger writes inside the block, as the production formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = logs.formatter("json")
    factory = config.pop("()")
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def decoded(stream: io.StringIO) -> str:
    """What was written with its strings unescaped: JSON writes "¿" as "\\u00bf", so a search
    of the raw text would miss any content that is not ASCII."""
    return "\n".join(json.dumps(line, ensure_ascii=False) for line in lines(stream))
