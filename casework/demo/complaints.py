"""Demo complaints (fictional): one about Amara Okafor that reached Social Work England, and
one about Jonas Berg Lund, whose claim is not verified, that went to the moderators. Each is
filed once, through the real service, under a fixed submission key (so seeding is idempotent).
"""

import uuid

from casework.accounts.models import User
from casework.complaints.models import Category
from casework.complaints.services import file_complaint

DEMO_COMPLAINTS = [
    (
        uuid.UUID("5e1f0c2a-0000-4000-8000-000000000001"),
        "practitioner@demo.casework.localhost",
        Category.BOUNDARY,
        "After our second session she asked me to pay her directly by bank transfer instead "
        "of through the site, for a lower fee.",
    ),
    (
        uuid.UUID("5e1f0c2a-0000-4000-8000-000000000002"),
        "jonas@demo.casework.localhost",
        Category.IMPERSONATION,
        "He says he is a registered social worker, but I could not find him on the register.",
    ),
]


def seed_complaints() -> int:
    """File the demo complaints that are not filed yet; the number filed now."""
    filed = 0
    for key, email, category, details in DEMO_COMPLAINTS:
        practitioner = User.objects.filter(email=email).first()
        if practitioner is None:
            continue
        result = file_complaint(
            practitioner=practitioner, category=category, details=details, idempotency_key=key
        )
        filed += not result.already_filed
    return filed
