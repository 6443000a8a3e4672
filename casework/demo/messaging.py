"""Demo conversations, through the real services (so they are encrypted like any other).

Robin (the demo client) has an enquiry with Amara Okafor (the demo practitioner), who keeps
office hours; Amara consults a colleague when the directory's demo practitioners exist; Tomás
(the demo moderator) writes to Robin about a report. Idempotent: a conversation that exists is
left as it is. Run after ``seed_people`` and ``seed_registry`` (the places).
"""

from datetime import time

from casework.accounts.models import Role, User
from casework.demo.people import DEMO_CLIENT_EMAIL, DEMO_MODERATOR_EMAIL, DEMO_PRACTITIONER_EMAIL
from casework.messaging import services
from casework.messaging.models import Conversation, OfficeHours
from casework.messaging.office_hours import set_office_hours
from casework.registry.models import Jurisdiction

ENQUIRY = [
    (
        "client",
        "Hello Amara, I am looking for support after a difficult year. My housing "
        "situation is unsettled and it is affecting my sleep. Do you work with people in Leeds?",
    ),
    (
        "practitioner",
        "Hello Robin, thank you for writing. Yes, I work with clients anywhere in "
        "England, online. Would a first video session next week suit you?",
    ),
    ("client", "Yes please. Is Tuesday afternoon possible?"),
    (
        "practitioner",
        "Tuesday at 14:00 is free. You can book it from my profile, and I will confirm it there.",
    ),
]
CONSULTATION = [
    (
        "practitioner",
        "Could I ask your view on a de-identified situation? A young adult client, "
        "recently housed, is struggling with the landlord's repeated visits. Have you used any "
        "tenancy advocacy service you would recommend?",
    ),
    (
        "colleague",
        "Happy to help. Shelter's advice line has been good for my clients; I can "
        "share the referral steps I use.",
    ),
]
MODERATION = (
    "Hello Robin, thank you for your report about a message you received. We have looked at "
    "it and taken action. You do not need to do anything else; reply here if you have questions."
)


def _open(kind: str, first: User, second: User) -> Conversation | None:
    return (
        Conversation.objects.filter(kind=kind)
        .filter(participants__person=first)
        .filter(participants__person=second)
        .first()
    )


def seed_messaging() -> list[Conversation]:
    robin = User.objects.filter(email=DEMO_CLIENT_EMAIL).first()
    amara = User.objects.filter(email=DEMO_PRACTITIONER_EMAIL).first()
    tomas = User.objects.filter(email=DEMO_MODERATOR_EMAIL).first()
    if robin is None or amara is None:
        return []
    if not OfficeHours.objects.filter(practitioner=amara).exists():
        set_office_hours(
            practitioner=amara,
            windows={day: (time(9), time(17)) for day in range(5)},
        )
    seeded = []
    enquiry = _open(Conversation.Kind.ENQUIRY, robin, amara) or _open(
        Conversation.Kind.CASE, robin, amara
    )
    if enquiry is None:
        people = {"client": robin, "practitioner": amara}
        first_text = ENQUIRY[0][1]
        enquiry = services.start_enquiry(
            client=robin,
            practitioner=amara,
            client_jurisdiction=Jurisdiction.objects.filter(code="GB-ENG").first(),
            body=first_text,
        )
        for sender, text in ENQUIRY[1:]:
            services.send_message(conversation=enquiry, sender=people[sender], body=text)
    seeded.append(enquiry)
    colleague = (
        User.objects.filter(role=Role.PRACTITIONER, is_active=True)
        .exclude(pk=amara.pk)
        .order_by("email")
        .first()
    )
    if colleague is not None:
        consultation = _open(Conversation.Kind.CONSULTATION, amara, colleague)
        if consultation is None:
            consultation = services.start_consultation(
                practitioner=amara, colleague=colleague, body=CONSULTATION[0][1]
            )
            services.send_message(
                conversation=consultation, sender=colleague, body=CONSULTATION[1][1]
            )
        seeded.append(consultation)
    if tomas is not None:
        moderation = _open(Conversation.Kind.MODERATION, tomas, robin)
        if moderation is None:
            moderation = services.start_moderator_conversation(
                moderator=tomas, person=robin, body=MODERATION
            )
        seeded.append(moderation)
    return seeded
