"""How many consultations a practitioner may start: verified practitioners consult freely
within a generous daily limit; an account no register vouches for yet is held to a few open at
once and a few a day, so a made-up account cannot write to every colleague on the site.
The limits are settings (``casework/messaging/policy.py``)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework.accounts.models import User
from casework.messaging import policy
from casework.messaging.models import Conversation
from casework.registry.standing import in_good_standing


def check_consultation_limits(practitioner: User) -> None:
    """Refuse a new consultation past the practitioner's limits, with the reason.

    Called inside the transaction that creates the consultation: the practitioner's row is
    locked first, so parallel starts are counted one after the other, not all against the
    same earlier total."""
    list(User.objects.select_for_update().filter(pk=practitioner.pk).values_list("pk", flat=True))
    started = Conversation.objects.filter(
        kind=Conversation.Kind.CONSULTATION, started_by=practitioner
    )
    today = started.filter(created_at__gte=timezone.now() - timedelta(days=1)).count()
    if in_good_standing(practitioner):
        if today >= policy.consultations_per_day():
            raise ValidationError(
                _(
                    "You have started many consultations today. Please carry on in the ones "
                    "you have, or try again tomorrow."
                ),
                code="rate_limited",
            )
        return
    open_limit = policy.open_consultations_unverified()
    if started.filter(state=Conversation.State.OPEN).count() >= open_limit:
        raise ValidationError(
            ngettext(
                "Until your registration is verified you can have %(limit)d open "
                "consultation. Close it before you start another.",
                "Until your registration is verified you can have %(limit)d open "
                "consultations. Close one of them before you start another.",
                open_limit,
            )
            % {"limit": open_limit},
            code="too_many_open",
        )
    day_limit = policy.consultations_per_day_unverified()
    if today >= day_limit:
        raise ValidationError(
            ngettext(
                "Until your registration is verified you can start %(limit)d consultation "
                "a day. Please try again tomorrow.",
                "Until your registration is verified you can start %(limit)d consultations "
                "a day. Please try again tomorrow.",
                day_limit,
            )
            % {"limit": day_limit},
            code="rate_limited",
        )
