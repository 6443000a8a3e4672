"""The links between operations of /api/v1 (casework/api_links.py) name what is there: an
operation of the schema, parameters it takes, fields of the answer they read and of the request
body they fill, of the same type. So a renamed operation, parameter or field breaks this test
rather than leaving a link that leads nowhere."""

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from casework import api_links
from casework.api import api

Schema = dict[str, Any]

LOCATIONS = ("path", "query", "header", "cookie")


def _resolve(root: Schema, schema: Schema) -> list[Schema]:
    """``schema`` with its references followed and its alternatives (``anyOf``, ``oneOf``)
    spread, ``null`` left out: what a present value may be."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return _resolve(root, root["components"]["schemas"][name])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [found for option in schema[key] for found in _resolve(root, option)]
    if schema.get("type") == "null":
        return []
    return [schema]


def _at(root: Schema, schema: Schema, pointer: str) -> list[Schema]:
    """The schemas of what ``pointer`` (a JSON pointer) names in a value of ``schema``."""
    found = _resolve(root, schema)
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        found = [
            inner
            for each in found
            for inner in _resolve(
                root,
                (
                    each.get("items", {})
                    if part.isdigit() and each.get("type") == "array"
                    else each.get("properties", {}).get(part, {"type": "null"})
                ),
            )
        ]
    return found


def _types(schemas: list[Schema]) -> set[str]:
    found: set[str] = set()
    for schema in schemas:
        kind = schema.get("type")
        found.update(kind if isinstance(kind, list) else [kind] if kind else [])
    return found - {"null"}


def _fits(given: set[str], taken: set[str]) -> bool:
    """A value of one of ``given`` types is one of ``taken`` (an untyped side takes all)."""
    if not given or not taken:
        return True
    return given <= taken | ({"integer"} if "number" in taken else set())


def _json_body(operation: Schema) -> Schema | None:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    return body if isinstance(body, dict) else None


def _parameters(operation: Schema) -> dict[tuple[str, str], Schema]:
    return {
        (parameter["in"], parameter["name"]): parameter
        for parameter in operation.get("parameters", [])
    }


EXPRESSION = re.compile(r"^\$(response\.body|request\.body|request\.(path|query|header))(.*)$")


def _expression_faults(
    root: Schema, source: Schema, status: str, expression: Any, taken: list[Schema], where: str
) -> Iterator[str]:
    """What is wrong with ``expression``, read from ``source``'s request or its ``status``
    answer, for a place that takes ``taken``."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        # A plain value: it must be one the place takes.
        kind = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
            type(expression)
        )
        if taken and not _fits({kind} if kind else set(), _types(taken)):
            yield f"{where}: the plain value {expression!r} is not what it takes"
        return
    match = EXPRESSION.match(expression)
    if match is None:
        yield f"{where}: {expression} is not an expression this check reads"
        return
    found: list[Schema]
    if match[2]:  # $request.path.<name>, $request.query.<name>...
        parameter = _parameters(source).get((match[2], match[3].removeprefix(".")))
        if parameter is None:
            yield f"{where}: {expression} names no parameter of {source['operationId']}"
            return
        found = _resolve(root, parameter.get("schema", {}))
    else:
        pointer = match[3].removeprefix("#")
        if match[1] == "response.body":
            response = source["responses"][status]
            body = response.get("content", {}).get("application/json", {}).get("schema")
        else:
            body = _json_body(source)
        if body is None:
            yield f"{where}: {expression} reads a body {source['operationId']} does not have"
            return
        found = _at(root, body, pointer)
        if not found:
            yield f"{where}: {expression} names no field of {source['operationId']}'s body"
            return
    if not _fits(_types(found), _types(taken)):
        yield (
            f"{where}: {expression} is {sorted(_types(found))}, "
            f"where {sorted(_types(taken))} is taken"
        )


def faults_of(root: Schema) -> list[str]:
    """Every link of ``root`` (an OpenAPI schema) that names something not there."""
    operations = {
        operation["operationId"]: operation
        for item in root["paths"].values()
        for operation in item.values()
    }
    faults: list[str] = []
    for source_id, source in operations.items():
        for status, response in source["responses"].items():
            for name, link in response.get("links", {}).items():
                where = f"{source_id} {status} {name}"
                target = operations.get(link.get("operationId", ""))
                if target is None:
                    faults.append(f"{where}: no operation {link.get('operationId')}")
                    continue
                taken = _parameters(target)
                given: set[tuple[str, str]] = set()
                for key, expression in link.get("parameters", {}).items():
                    location, _dot, parameter_name = key.rpartition(".")
                    matching = [
                        found
                        for (place, named), found in taken.items()
                        if named == parameter_name and place == (location or place)
                    ]
                    if location not in ("", *LOCATIONS) or not matching:
                        faults.append(f"{where}: {target['operationId']} takes no {key}")
                        continue
                    given.add((matching[0]["in"], parameter_name))
                    faults.extend(
                        _expression_faults(
                            root,
                            source,
                            status,
                            expression,
                            _resolve(root, matching[0].get("schema", {})),
                            f"{where} {key}",
                        )
                    )
                # A link leads to one thing: each part of its address comes from the answer.
                faults.extend(
                    f"{where}: the path parameter {named} is not given"
                    for (place, named) in taken
                    if place == "path" and (place, named) not in given
                )
                if "requestBody" in link:
                    body = _json_body(target)
                    fields = link["requestBody"]
                    if body is None or not isinstance(fields, dict):
                        faults.append(f"{where}: {target['operationId']} takes no JSON object")
                        continue
                    properties = {
                        key: value
                        for each in _resolve(root, body)
                        for key, value in each.get("properties", {}).items()
                    }
                    for field, expression in fields.items():
                        if field not in properties:
                            faults.append(f"{where}: {target['operationId']} takes no {field}")
                            continue
                        faults.extend(
                            _expression_faults(
                                root,
                                source,
                                status,
                                expression,
                                _resolve(root, properties[field]),
                                f"{where} body.{field}",
                            )
                        )
    return faults


@pytest.fixture
def served(client: Client) -> Schema:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema: Schema = response.json()
    return schema


def _declared(schema: Schema) -> set[tuple[str, str, str]]:
    return {
        (operation["operationId"], status, name)
        for item in schema["paths"].values()
        for operation in item.values()
        for status, response in operation["responses"].items()
        for name in response.get("links", {})
    }


def test_the_served_schema_declares_every_link_of_the_table(served: Schema) -> None:
    table = {(link.source, str(link.status), link.name) for link in api_links.LINKS}
    assert len(table) == len(api_links.LINKS), "two links of one answer share a name"
    assert table - _declared(served) == set()


def test_every_link_names_a_real_operation_its_parameters_and_fields(served: Schema) -> None:
    assert faults_of(served) == []


def test_a_link_that_no_longer_fits_the_schema_is_found() -> None:
    root = copy.deepcopy(dict(api.get_openapi_schema()))
    rotten = (
        api_links.Link(
            api_links.BOOK, 201, "gone", "casework_scheduling_api_nothing", "An operation gone"
        ),
        api_links.Link(
            api_links.BOOK,
            201,
            "renamed_field",
            api_links.CANCEL,
            "A field renamed",
            {"path.appointment_id": "$response.body#/appointment_id"},
        ),
        api_links.Link(
            api_links.BOOK,
            201,
            "renamed_parameter",
            api_links.CANCEL,
            "A parameter renamed",
            {"path.appointment": "$response.body#/id"},
        ),
        api_links.Link(
            api_links.BOOK,
            201,
            "wrong_type",
            api_links.CANCEL,
            "A text where a number goes",
            {"path.appointment_id": "$response.body#/uid"},
        ),
        api_links.Link(
            api_links.MESSAGES,
            200,
            "half_address",
            api_links.ATTACHMENTS,
            "One path parameter left out",
            {"path.message_id": "$response.body#/0/id"},
        ),
        api_links.Link(
            api_links.PROFILE,
            200,
            "body_field",
            api_links.REPORT,
            "A body field that is not there",
            body={"about": "profile", "what": "$response.body#/slug"},
        ),
        api_links.Link(
            api_links.PROFILE,
            200,
            "request_parameter",
            api_links.SLOTS,
            "A parameter of the request that is not there",
            {"path.practitioner_id": "$request.path.id"},
        ),
    )
    api_links.declare(root, rotten)
    # A link to an operation gone is left out of the schema (the table's test then fails);
    # written into a schema by hand, it is found.
    assert not any(name == "gone" for *_source, name in _declared(root))
    book = root["paths"]["/api/v1/appointments"]["post"]["responses"]["201"]
    book["links"]["gone"] = {"operationId": "casework_scheduling_api_nothing"}
    found = "\n".join(faults_of(root))
    for name in (
        "gone",
        "renamed_field",
        "renamed_parameter",
        "wrong_type",
        "half_address",
        "body_field",
        "request_parameter",
    ):
        assert f" {name}" in found, name
