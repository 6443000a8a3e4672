"""Destructive actions ask first: the one home for their confirmation step.

A button that ends, revokes, removes, withdraws, declines, closes or deletes something posts to
its view as before. The view loads the object (its access check answers 404 as always), then
asks ``ask_first``: while the POST lacks the ``confirmed`` field, nothing is done and the answer
is a page that says what will happen, with the danger button that posts the same fields again
plus ``confirmed``, and a way back. It is one more POST to the same address, so it works with no
JavaScript, needs no new route, and an old form or a script that posts at once is asked too.

``tests/test_danger_actions.py`` scans the templates for destructive forms and fails for one
whose action is not in its table of actions that ask first.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CONFIRMED = "confirmed"
# The value the confirmation page posts; any other (or none) asks again.
YES = "yes"
# Not carried into the confirmation page's form: the page gets its own token.
NOT_CARRIED = frozenset({"csrfmiddlewaretoken", CONFIRMED})

Text = str | Promise
GO_BACK = _("Go back")


@dataclass(frozen=True)
class Danger:
    """What the confirmation page says: ``question`` is its heading ("Revoke the token
    “phone”?"), ``consequences`` what happens if the person goes ahead, one sentence each,
    ``confirm`` the danger button's label, ``back_url`` where "Go back" leads."""

    question: Text
    consequences: Sequence[Text]
    confirm: Text
    back_url: str
    keep: Text = GO_BACK


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED) == YES


def ask_first(request: HttpRequest, danger: Danger) -> TemplateResponse | None:
    """``None`` once the person has confirmed; until then the confirmation page, carrying the
    fields of the form they used (a reason, ``action=end``) so that confirming does what the
    first click asked for."""
    if is_confirmed(request):
        return None
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]
    return TemplateResponse(
        request,
        "shell/confirm_danger.html",
        {"danger": danger, "carried": carried, "action_url": request.get_full_path()},
    )
