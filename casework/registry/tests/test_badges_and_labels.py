"""A badge and pages that cannot be borrowed: the badge names the registration and says its
status in plain words, "verified" only for a practising registration someone has proven theirs;
the verification page's wording follows the status; the credential check says whose credential
it is; regulators of one name are told apart by their place everywhere."""

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.registry.credentials.did import build_did_document
from casework.registry.credentials.service import issue_credential_for_claim
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.reference_data import regulator_labels
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.django_db


def on_register(
    regulator: Regulator | str, number: str, status: str = "registered", **fields: object
) -> RegisterEntry:
    if isinstance(regulator, str):
        regulator = Regulator.objects.get(slug=regulator)
    return RegisterEntry.objects.create(
        regulator=regulator,
        registration_number=number,
        name=str(fields.pop("name", "Amara Okafor")),
        status=status,
        **fields,
    )


def proven(entry: RegisterEntry) -> RegistrationClaim:
    """A practitioner on Casework has shown that the registration is theirs."""
    return RegistrationClaim.objects.create(
        practitioner=PractitionerFactory.create(legal_name=entry.name),
        regulator=entry.regulator,
        registration_number=entry.registration_number,
        entry=entry,
        state=RegistrationClaim.State.VERIFIED,
        decided_at=timezone.now(),
    )


def badge(entry: RegisterEntry) -> str:
    response = Client().get(
        reverse("registry:badge", args=[entry.regulator.slug, entry.registration_number])
    )
    assert response["Content-Type"] == "image/svg+xml"
    return response.content.decode()


def badge_words(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


# The badge


def test_the_badge_names_the_person_the_regulator_and_the_number(england: Regulator) -> None:
    entry = on_register(england, "SW300001")
    proven(entry)
    words = badge_words(badge(entry))
    assert words == [
        "Casework: registration verified",
        "Amara Okafor",
        "Social Work England, number SW300001",
        "Check it live: http://testserver/verify/social-work-england/SW300001/",
        "Registered",
    ]


def test_the_badge_links_to_the_verification_page(england: Regulator) -> None:
    svg = badge(on_register(england, "SW300002"))
    assert '<a href="http://testserver/verify/social-work-england/SW300002/" target="_top">' in svg


def test_a_registration_nobody_has_proven_is_never_called_verified(england: Regulator) -> None:
    svg = badge(on_register(england, "SW300003"))
    assert "verified" not in svg.casefold()
    assert badge_words(svg)[0] == "Casework register check"
    assert "Registered" in badge_words(svg)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("suspended", "Suspended: do not book"),
        ("removed", "Removed: do not book"),
        ("lapsed", "Lapsed: do not book"),
        ("absent", "Missing from the latest register: do not book"),
        ("conditions", "Registered with conditions: see them"),
    ],
)
def test_a_badge_says_its_status_in_plain_words_and_not_verified_unless_practising(
    england: Regulator, status: str, words: str
) -> None:
    entry = on_register(england, "SW300004", status=status)
    if status == "conditions":
        proven(entry)
    svg = badge(entry)
    assert badge_words(svg)[-1] == words
    if status == "conditions":
        assert badge_words(svg)[0] == "Casework: registration verified"
    else:
        assert "verified" not in svg.casefold()


def test_a_suspended_registration_someone_proved_is_not_verified_on_the_badge(
    england: Regulator,
) -> None:
    entry = on_register(england, "SW300005")
    proven(entry)
    assert "Casework: registration verified" in badge(entry)
    RegisterEntry.objects.filter(pk=entry.pk).update(status="suspended")
    svg = badge(entry)
    assert "verified" not in svg.casefold()
    assert "Suspended: do not book" in svg


def test_the_badge_escapes_what_the_register_says(england: Regulator) -> None:
    svg = badge(on_register(england, "SW300006", name='<script>"x"</script> & Co'))
    assert "<script>" not in svg
    assert "&lt;script&gt;&quot;x&quot;&lt;/script&gt; &amp; Co" in svg


def test_an_unknown_number_has_no_verified_badge(england: Regulator) -> None:
    svg = Client().get(reverse("registry:badge", args=["social-work-england", "NOPE"]))
    text = svg.content.decode()
    assert "Not on the register" in text
    assert "verified" not in text.casefold()


# The verification page


def test_a_suspended_registration_never_says_registered_until(england: Regulator) -> None:
    entry = on_register(england, "SW300007", status="suspended", valid_until=date(2027, 3, 31))
    page = Client().get(f"/verify/social-work-england/{entry.registration_number}/")
    text = page.content.decode()
    assert "Registered until" not in text
    assert "End of the registration period on the register" in text
    assert "Status now: Suspended, which does not let this person practise." in text
    assert "Suspended: this person must not practise" in text


def test_a_practising_registration_says_registered_until(england: Regulator) -> None:
    entry = on_register(england, "SW300008", valid_until=date(2027, 3, 31))
    text = Client().get(f"/verify/social-work-england/{entry.registration_number}/")
    assert "Registered until" in text.content.decode()


def test_the_embed_code_names_the_registration_not_a_status_that_may_change(
    england: Regulator,
) -> None:
    entry = on_register(england, "SW300009")
    page = Client().get(f"/verify/social-work-england/{entry.registration_number}/")
    code = re.search(
        r'<textarea id="badge-code"[^>]*>(.*?)</textarea>', page.content.decode(), re.S
    )
    assert code is not None
    assert (
        "Live Casework registration check: Amara Okafor, Social Work England, number SW300009"
        in code.group(1)
    )
    assert "Registered" not in code.group(1).replace("registration", "")


# Regulators of the same name


def test_regulators_whose_names_clash_carry_their_place() -> None:
    labels = regulator_labels(
        [
            ("coru-swrb", "CORU \u2013 Social Workers Registration Board", "Ireland"),
            ("nz-swrb", "Social Workers Registration Board", "New Zealand"),
            ("hk-swrb", "Social Workers Registration Board", "Hong Kong"),
            ("sssc", "Scottish Social Services Council", "Scotland"),
        ]
    )
    assert labels == {
        "coru-swrb": "CORU \u2013 Social Workers Registration Board (Ireland)",
        "nz-swrb": "Social Workers Registration Board (New Zealand)",
        "hk-swrb": "Social Workers Registration Board (Hong Kong)",
        "sssc": "Scottish Social Services Council",
    }


def test_the_shipped_regulators_all_have_distinct_labels(england: Regulator) -> None:
    labels = [str(regulator) for regulator in Regulator.objects.all()]
    assert len(labels) == len(set(labels))
    assert str(Regulator.objects.get(slug="nz-swrb")) == (
        "Social Workers Registration Board (New Zealand)"
    )


def test_every_regulator_select_tells_the_boards_apart(england: Regulator) -> None:
    page = Client().get("/verify/").content.decode()
    assert ">Social Workers Registration Board (New Zealand)</option>" in page
    assert ">Social Workers Registration Board (Hong Kong)</option>" in page


def test_search_results_the_page_the_badge_and_the_api_name_the_board_with_its_place(
    england: Regulator,
) -> None:
    entry = on_register("nz-swrb", "NZ4001", name="Aroha Ngata")
    label = "Social Workers Registration Board (New Zealand)"
    assert label in Client().get("/verify/", {"name": "aroha"}).content.decode()
    assert label in Client().get("/verify/nz-swrb/NZ4001/").content.decode()
    assert f"{label}, number NZ4001" in badge(entry)
    [found] = Client().get("/api/v1/verify", {"number": "NZ4001"}).json()
    assert found["regulator"]["label"] == label
    assert found["regulator"]["name"] == "Social Workers Registration Board"


def test_the_cross_border_answer_names_the_board_with_its_place(england: Regulator) -> None:
    entry = on_register(england, "SW300010")
    page = Client().get(f"/verify/social-work-england/{entry.registration_number}/?where=NZ")
    assert "registration with Social Workers Registration Board (New Zealand) is required" in (
        page.content.decode()
    )


# The credential check says whose credential it is


def test_the_server_check_says_whose_credential_it_is(england: Regulator) -> None:
    entry = on_register(england, "SW300011", name="Siobhán Gallagher")
    issued = issue_credential_for_claim(claim=proven(entry))
    assert issued is not None
    response = Client().post(reverse("credentials:verify"), {"credential": issued.jwt})
    page = response.content.decode()
    server = page[page.index('id="server-result"') : page.index('id="browser-result"')]
    assert "Valid." in server
    assert (
        "Whose credential: Siobhán Gallagher, registered with Social Work England (England) "
        "under number SW300011." in server
    )
    # The browser check fills the same sentence from the credential it verified itself.
    assert (
        'data-holder-text="Whose credential: {name}, registered with {regulator} '
        '({place}) under number {number}."' in page
    )


def test_the_server_check_of_an_altered_credential_names_no_one(england: Regulator) -> None:
    entry = on_register(england, "SW300012")
    issued = issue_credential_for_claim(claim=proven(entry))
    assert issued is not None
    header, payload, signature = issued.jwt.split(".")
    altered = f"{header}.{payload[:-4]}AAAA.{signature}"
    page = Client().post(reverse("credentials:verify"), {"credential": altered}).content.decode()
    assert "Not valid." in page
    assert "Whose credential: Amara" not in page


def test_the_command_line_check_says_whose_credential_it_is(
    england: Regulator, tmp_path: Path
) -> None:
    entry = on_register("nz-swrb", "NZ4002", name="Aroha Ngata")
    issued = issue_credential_for_claim(claim=proven(entry))
    assert issued is not None
    token = tmp_path / "credential.jwt"
    token.write_text(issued.jwt)
    did_document = tmp_path / "did.json"
    did_document.write_text(json.dumps(build_did_document()))
    lists = []
    for status_list in (issued.revocation_list, issued.suspension_list):
        status_list.refresh_from_db()
        path = tmp_path / f"{status_list.purpose}.jwt"
        path.write_text(status_list.signed_jwt)
        lists += ["--status-list", str(path)]
    out = io.StringIO()
    call_command(
        "verify_credential", str(token), "--did-document", str(did_document), *lists, stdout=out
    )
    assert (
        "Whose credential: Aroha Ngata, registered with Social Workers Registration Board (NZ) "
        "under number NZ4002 (registered)"
    ) in out.getvalue()
    assert "Valid." in out.getvalue()
