"""How a row's id appears in an address."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# The largest id a database row can have (a signed 64-bit integer).
MAX_ROW_ID = 2**63 - 1


class RowIdConverter:
    """``<id:name>``: a row's id, 1 to 18 digits. Every id it lets through fits the database's
    64-bit integer, so an id too large for any row answers 404 as a missing one does; Django's
    own ``int`` takes any length, and a 30-digit id reached the database and failed there."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def _not_a_truth_value(value: Any) -> Any:
    # Pydantic reads JSON's true as 1 in a lax int: {"person_id": true} named person 1. A number
    # in a path or a query still arrives as digits and is read as before.
    if isinstance(value, bool):
        raise ValueError("a whole number, not true or false")
    return value


# A count or a number of days in the API's bodies and queries: never a boolean.
WholeNumber = Annotated[int, BeforeValidator(_not_a_truth_value)]

# The same bound for ids in the API's paths, queries and bodies (django-ninja validates it:
# 4xx), and never a boolean.
RowId = Annotated[WholeNumber, Field(ge=1, le=MAX_ROW_ID)]
