"""What goes wrong when sealed content cannot be opened, named so that callers can tell apart
"erased on purpose" from "something is broken".

Messages name the data key and the context (which row and field), never the content.
"""

import logging
import uuid
from typing import TypeVar

logger = logging.getLogger("casework.vault")


class VaultError(Exception):
    """Sealed content cannot be opened or written; the message says which key and where."""


class DataKeyDestroyed(VaultError):
    """The data key was destroyed (erasure): its content is gone for good."""

    def __init__(self, data_key_id: uuid.UUID | str, *, context: str = "") -> None:
        self.data_key_id, self.context = data_key_id, context
        where = f" (reading {context})" if context else ""
        super().__init__(f"Data key {data_key_id} was destroyed; its content is erased{where}.")


class DataKeyMissing(VaultError):
    """No data key is there to open the content: the row was never made or cannot be found."""

    def __init__(self, data_key_id: uuid.UUID | str | None, *, context: str = "") -> None:
        self.data_key_id, self.context = data_key_id, context
        which = f"Data key {data_key_id} does not exist" if data_key_id else "No data key is set"
        where = f" (reading {context})" if context else ""
        super().__init__(f"{which}{where}.")


class DecryptionFailed(VaultError):
    """The ciphertext does not open: wrong key, corrupted bytes, or copied from another row."""

    def __init__(self, data_key_id: uuid.UUID | str | None, *, context: str, why: str) -> None:
        self.data_key_id, self.context = data_key_id, context
        super().__init__(f"Sealed content for {context} under data key {data_key_id}: {why}.")


class KeyEncryptionKeyUnknown(VaultError):
    """A data key is wrapped by a key encryption key this installation no longer holds."""

    def __init__(self, data_key_id: uuid.UUID | str, *, kek_id: str) -> None:
        self.data_key_id, self.kek_id = data_key_id, kek_id
        super().__init__(
            f"Data key {data_key_id} is wrapped by key encryption key {kek_id}, which is neither "
            "CASEWORK_VAULT_KEY nor one of CASEWORK_VAULT_RETIRED_KEYS."
        )


_Error = TypeVar("_Error", bound=VaultError)


def logged(error: _Error) -> _Error:
    """Log a failure by key id and context only (never content), then hand it back to raise."""
    level = logging.INFO if isinstance(error, DataKeyDestroyed) else logging.WARNING
    logger.log(level, "vault: %s", error)
    return error
