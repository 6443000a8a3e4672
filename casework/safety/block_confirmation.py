"""The one page that asks "block this person?", reached from a profile, a conversation or an
appointment. Each of those apps finds the other person through its own access rules and hands
them here; this page says what a block does and, on POST, blocks.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.safety import blocks


def confirm_block(
    request: HttpRequest, *, blocker: User, other: User, back_url: str
) -> HttpResponse:
    """GET: what will happen, and a button to block. POST: block, then the blocked people page
    (where the block can be lifted)."""
    refusal = ""
    try:
        blocks.refuse_unless_blockable(blocker, other)
    except ValidationError as refused:
        refusal = " ".join(refused.messages)
    if request.method == "POST" and not refusal:
        blocks.block_person(blocker=blocker, blocked=other)
        messages.success(
            request,
            _(
                "You blocked %(name)s. Neither of you can write to the other or book an "
                "appointment together now, and your open appointments are being cancelled."
            )
            % {"name": other.display_name},
        )
        return redirect("messaging:blocked_people")
    context = {
        "other": other,
        "back_url": back_url,
        "refusal": refusal,
        "already": not refusal and blocks.has_blocked(blocker, other),
    }
    status = 400 if refusal and request.method == "POST" else 200
    return TemplateResponse(request, "safety/confirm_block.html", context, status=status)
