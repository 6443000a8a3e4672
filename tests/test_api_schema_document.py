"""/api/v1/openapi.json, which anyone may ask for: the document is built once per process for
each language and address prefix, not for every request."""

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from casework.api import CaseworkAPI, api

DOCUMENT = "/api/v1/openapi.json"


def test_the_document_is_built_once_for_each_language_then_served_as_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api, "_built_schemas", {})
    languages: list[str | None] = []
    build = CaseworkAPI._build_openapi_schema

    def counted(self: CaseworkAPI, **options: Any) -> Any:
        languages.append(translation.get_language())
        return build(self, **options)

    monkeypatch.setattr(CaseworkAPI, "_build_openapi_schema", counted)

    def served(language: str) -> bytes:
        answer = Client().get(
            DOCUMENT, HTTP_ACCEPT_ENCODING="identity", HTTP_ACCEPT_LANGUAGE=language
        )
        assert answer.status_code == 200
        return bytes(answer.content)

    english = [served("en") for _ in range(3)]
    assert languages == ["en"]
    assert english[1] == english[0] == english[2]
    # Another language is a document of its own: a description may be translated one day.
    spanish = [served("es") for _ in range(2)]
    assert languages == ["en", "es"]
    assert spanish[0] == spanish[1]
