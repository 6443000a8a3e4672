"""The hook that holds every answer of /api/v1 in the test suite to the served schema
(casework/testing/api_schema.py) fails a test on an answer the schema does not declare."""

import pytest
from django.http import HttpResponse, JsonResponse

from casework.problems import error_body
from casework.testing.api_schema import check

CONVERSATIONS = "/api/v1/conversations"


def test_an_answer_the_schema_declares_passes() -> None:
    check("GET", CONVERSATIONS, JsonResponse([], safe=False))
    check("GET", CONVERSATIONS, JsonResponse(error_body(401), status=401))


def test_a_status_the_operation_does_not_declare_fails_the_test() -> None:
    with pytest.raises(pytest.fail.Exception, match="does not declare"):
        check("GET", CONVERSATIONS, JsonResponse(error_body(409), status=409))


@pytest.mark.parametrize(
    "body",
    [
        {"results": []},  # an object where the schema says a list
        [{"id": "not-a-uuid"}],  # a conversation without its fields
    ],
)
def test_a_body_that_does_not_match_its_status_schema_fails_the_test(body: object) -> None:
    with pytest.raises(pytest.fail.Exception, match="does not match its schema"):
        check("GET", CONVERSATIONS, JsonResponse(body, safe=False))


def test_a_refusal_outside_the_one_error_shape_fails_the_test() -> None:
    with pytest.raises(pytest.fail.Exception, match="does not match its schema"):
        check("GET", CONVERSATIONS, JsonResponse({"detail": "Unauthorized"}, status=401))


def test_what_no_operation_owns_is_not_checked() -> None:
    check("PUT", CONVERSATIONS, HttpResponse(status=405))  # the method comes before any operation
    check("GET", "/api/v1/openapi.json", JsonResponse({"anything": True}))
