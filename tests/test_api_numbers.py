"""Every number the API reads (an id, a count, a number of days) refuses JSON's ``true`` and
``false``. Pydantic's lax integer reads ``true`` as 1, so ``{"person_id": true}`` once blocked
person 1: each such field is a ``RowId`` or a ``WholeNumber`` (``casework.shell.converters``)."""

import typing
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from pydantic.fields import FieldInfo

from casework.api import api


def _input_models() -> Iterator[tuple[str, type[pydantic.BaseModel]]]:
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    yield f"{'/'.join(operation.methods)} {prefix}{path}", model


def _models_within(annotation: Any) -> Iterator[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_within(argument)


def _holds_an_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_holds_an_int(argument) for argument in typing.get_args(annotation))


def _with_number(annotation: Any, number: object) -> Any:
    """An input with ``number`` where ``annotation`` reads a number: itself, a list's item or a
    dictionary's value."""
    if annotation is int:
        return number
    arguments = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _with_number(arguments[0], number)
    if origin is dict:
        return {"1": _with_number(arguments[1], number)}
    if origin in (list, tuple, set, frozenset):
        return [_with_number(arguments[0], number)]
    holding = next(argument for argument in arguments if _holds_an_int(argument))
    return _with_number(holding, number)


def _number_fields() -> list[tuple[str, str, FieldInfo]]:
    found: list[tuple[str, str, FieldInfo]] = []
    seen: set[type[pydantic.BaseModel]] = set()

    def walk(where: str, model: type[pydantic.BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if _holds_an_int(field.annotation):
                found.append((where, f"{model.__name__}.{name}", field))
            for inner in _models_within(field.annotation):
                walk(where, inner)

    for where, model in _input_models():
        walk(where, model)
    return found


NUMBER_FIELDS = _number_fields()


def test_the_walk_finds_the_numbers_it_guards() -> None:
    # A walk that found nothing would pass every case below.
    names = {name for _, name, _ in NUMBER_FIELDS}
    assert {
        "NewConversation.to",
        "NewBooking.session_type",
        "NewPlan.every_days",
        "Answers.answers",
    } <= names


@pytest.mark.parametrize("truth", [True, False])
@pytest.mark.parametrize(
    ("where", "name", "field"), NUMBER_FIELDS, ids=[f"{w} {n}" for w, n, _ in NUMBER_FIELDS]
)
def test_no_number_reads_true_or_false(
    where: str, name: str, field: FieldInfo, truth: bool
) -> None:
    annotated: Any = field.annotation
    if field.metadata:
        annotated = typing.Annotated[(annotated, *field.metadata)]
    reader: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(annotated)
    with pytest.raises(pydantic.ValidationError, match="not true or false"):
        reader.validate_python(_with_number(field.annotation, truth))
    # A number itself still passes, and an optional one its absence.
    assert reader.validate_python(_with_number(field.annotation, 1)) is not None
    if type(None) in typing.get_args(field.annotation):
        assert reader.validate_python(None) is None
