"""How a row's id appears in an address."""

from typing import Annotated

from pydantic import Field

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


# The same bound for ids in the API's paths and queries (django-ninja validates it: 4xx).
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
