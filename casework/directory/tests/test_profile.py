"""The public profile: registrations with their live status, a link and QR code to check each,
a link preview, whether the person may practise where the visitor is, and the booking place."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from casework.registry.models import RegisterEntry, Regulator
from casework.shell.page_cache import renew_public_pages
from casework.testing.directory import listed_practitioner, registered_practitioner

pytestmark = pytest.mark.usefixtures("reference")


def test_each_registration_shows_its_live_status_and_how_to_check_it() -> None:
    Regulator.objects.filter(slug="social-work-england").update(
        register_read_at=datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    )
    profile = listed_practitioner()
    number = RegisterEntry.objects.get(claims__practitioner=profile.practitioner)
    response = Client().get(f"/practitioners/{profile.slug}/")
    page = response.content.decode()
    assert "Social Work England" in page
    assert '<span class="status status--registered">Registered</span>' in page
    assert "As read from the register on" in page
    assert 'datetime="2026-02-01T08:00:00+00:00"' in page
    verification = f"http://testserver/verify/social-work-england/{number.registration_number}/"
    assert f'href="{verification}"' in page
    assert page.count("<svg") == 1  # the QR code of that link
    assert response.context["booking_enabled"] is True


def test_a_second_registration_that_is_suspended_is_shown_as_such() -> None:
    profile = listed_practitioner(legal_name="Ewan MacLeod")
    registered_practitioner(practitioner=profile.practitioner, regulator="sssc", status="suspended")
    page = Client().get(f"/practitioners/{profile.slug}/").content.decode()
    assert "Scottish Social Services Council" in page
    assert '<span class="status status--suspended">Suspended</span>' in page
    # Practising registrations first.
    assert page.index("Social Work England") < page.index("Scottish Social Services Council")


def test_the_link_preview_names_the_person_and_the_live_status() -> None:
    profile = listed_practitioner()
    page = Client().get(f"/practitioners/{profile.slug}/").content.decode()
    assert '<meta property="og:type" content="profile">' in page
    assert '<meta property="og:title" content="Amara Okafor, social worker">' in page
    assert "Social Work England: Registered." in page
    assert (
        f'<meta property="og:url" content="http://testserver/practitioners/{profile.slug}/">'
        in (page)
    )
    assert 'property="og:image" content="http://testserver/verify/social-work-england/' in page


def test_the_visitor_learns_whether_the_person_may_practise_where_they_are() -> None:
    profile = listed_practitioner()
    allowed = Client().get(f"/practitioners/{profile.slug}/?where=GB-ENG")
    assert allowed.context["practice"].allowed
    assert "covers clients in England" in allowed.content.decode()
    refused = Client().get(f"/practitioners/{profile.slug}/?where=US-CA")
    assert not refused.context["practice"].allowed
    assert "registration with California Board of Behavioral Sciences is required" in (
        refused.content.decode()
    )
    assert refused.context["where_code"] == "US-CA"
    assert Client().get(f"/practitioners/{profile.slug}/?where=nowhere").status_code == 200


def test_the_bio_is_shown_sanitised() -> None:
    profile = listed_practitioner(
        bio_source="**Warm** and practical. <script>alert(1)</script> [site](javascript:x)"
    )
    page = Client().get(f"/practitioners/{profile.slug}/").content.decode()
    assert "<strong>Warm</strong> and practical." in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="javascript' not in page


def test_the_profile_page_has_a_fixed_query_budget(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    profile = listed_practitioner()
    url = f"/practitioners/{profile.slug}/"
    Client().get(url)
    # Kept for visitors: the public pages' version (shell/page_cache.py).
    with django_assert_num_queries(1):
        Client().get(url)
    renew_public_pages()
    # The pages' version, then the page: the profile with its listing, practitioner and next
    # free slot; languages; specialties; modalities; verified registrations, with the
    # regulators' orders on Casework in the same query. The booking panel: session types;
    # standing; the schedule's rules; weekly hours; exceptions (and no bookings yet to
    # subtract).
    with django_assert_num_queries(11):
        Client().get(url)
