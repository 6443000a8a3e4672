"""/api/v1 followed link by link (casework/api_links.py) as each role, with a personal access
token of every scope: anonymous, a client, a practitioner, an officer, a moderator and an
administrator, in the world of tests/access_world.py (her appointment, their conversations with
an attachment, a case with check-ins, an article, a complaint, an export...). Each scenario
starts from an operation that lists or makes something and goes on with what it answered (an
appointment, then its cancellation; a message, then its attachments), with values the schema allows
and values it refuses: every answer is one the schema declares, in the one error shape when it
is a refusal, never a 500. Every check schemathesis has is on, stateful ones included (what a
link leads to right after it was made is there), with the exclusions of
tests/test_api_properties.py for the same reasons."""

from typing import Any, ClassVar

import pytest
import schemathesis
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import CheckFunction, ignored_auth
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.stateful.state_machine import APIStateMachine, normalize_name

from casework.accounts.services import create_api_token
from casework.accounts.tokens import ALL_SCOPES
from casework.wsgi import application
from tests.access_world import World
from tests.test_api_properties import EXCLUDED, _requests_keep_the_tests_connection

# The autouse fixture, imported: it applies to this module's tests too.
__all__ = ["_requests_keep_the_tests_connection"]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none"
)
# Only the declared links: links guessed from names and shapes would test the guess.
schema.config.phases.stateful.inference.algorithms = []

ROLES = ("anonymous", "client", "practitioner", "officer", "moderator", "admin")

# Scenarios per role, and calls per scenario (long enough for chains of three or four links):
# the six roles together take half a minute to two minutes on a shared two-core machine, after
# the world is built. Each run draws new scenarios.
SCENARIOS = 20
STEPS = 15


# Scenarios start from what needs nothing from an earlier answer: a list, or a POST that makes
# something (schemathesis would also start from a POST on an address, such as a reply in a
# conversation, whose made-up id only answers 404; the stateless test covers those).
ADDRESSED_ROOTS = frozenset(
    normalize_name(f"RANDOM -> {operation.label}")
    for result in schema.get_all_operations()
    if isinstance(result, Ok)
    for operation in [result.ok()]
    if operation.path_parameters
)


def _machine(headers: dict[str, str]) -> type[APIStateMachine]:
    excluded: list[CheckFunction] = [*EXCLUDED, ignored_auth] if headers else list(EXCLUDED)
    linked = schema.as_state_machine()

    class RoleWorkflow(linked):  # type: ignore[misc,valid-type]
        """Every call with this role's token; each scenario on the world as it was built."""

        sent: ClassVar[dict[str, str]] = {"Accept-Encoding": "identity", **headers}

        def setup(self) -> None:
            cache.clear()  # the rate limits would otherwise answer 429 to most of the calls
            self._savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self._savepoint)

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            # Uncompressed: this in-process transport does not gunzip as an HTTP client would.
            return {"headers": self.sent}

        def validate_response(
            self,
            response: Response,
            case: Case[Any],
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=excluded,
                headers=self.sent,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"}, body
                assert {"code", "message", "fields"} <= set(body["error"]), body

    for name in ADDRESSED_ROOTS & linked.root_rules:
        setattr(RoleWorkflow, name, None)  # no longer a rule
    return RoleWorkflow


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_linked_operations_keep_to_their_schema_for_every_role(world: World, role: str) -> None:
    headers: dict[str, str] = {}
    person = world.people.get(role)
    if person is not None:
        secret = create_api_token(
            person=person, name="Fuzzing", scopes=sorted(ALL_SCOPES), days=7, now=timezone.now()
        )[1]
        headers = {"Authorization": f"Bearer {secret}"}
    _machine(headers).run(
        settings=hypothesis_settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
