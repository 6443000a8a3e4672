"""The regulator portal and the public complaint pages, in English and in Spanish: a visitor
files a complaint with evidence and follows it; an officer of two regulators chooses one, reads
its dashboard (registrants, complaints by state, figures with their charts), the complaints,
one complaint with its evidence and who downloaded its bundle, a registration under conditions
and then suspended, the webhook's deliveries, the register readings and the claims to review;
a new officer opens an invitation. Every page has its heading, passes axe, fits a 320px
screen and, in Spanish, shows no English (``helpers.check_page``)."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import BrowserContext, expect

from casework.oversight.invitations import invite_officer
from casework.oversight.webhooks import configure_webhook
from casework.registry.models import RegistrationClaim, RegulatorOfficer
from casework.registry.register_import import receive_register_file
from casework.registry.restrictions import set_conditions
from casework.testing import oversight
from casework.testing.factories import AdminFactory
from casework.testing.messaging import PNG_BYTES
from tests.browser.helpers import AssertAccessible, check_page, signed_in_as

pytestmark = pytest.mark.browser

# What the people click and type into, in each language.
WORDS = {
    "en": {
        "report": "Report this social worker to their regulator",
        "about": "What is the complaint about?",
        "what happened": "What happened?",
        "evidence": "Evidence (optional)",
        "send": "Send the complaint",
        "bundle": "Download the evidence bundle (ZIP)",
        "move to": "Move the complaint to",
        "save": "Save",
        "reason": "Reason",
        "suspend": "Suspend the listing",
        "suspended": "Suspended by an officer",
        "reference": "Reference",
        "secret": "Secret",
        "show": "Show the complaint",
        "under review": "Under review",
    },
    "es": {
        "report": "Denunciar a este trabajador social ante su organismo regulador",
        "about": "¿Sobre qué es la queja?",
        "what happened": "¿Qué pasó?",
        "evidence": "Pruebas (opcional)",
        "send": "Enviar la queja",
        "bundle": "Descargar el expediente de pruebas (ZIP)",
        "move to": "Pasar la queja a",
        "save": "Guardar",
        "reason": "Motivo",
        "suspend": "Suspender el perfil",
        "suspended": "Suspendido por un funcionario",
        "reference": "Referencia",
        "secret": "Clave secreta",
        "show": "Mostrar la queja",
        "under review": "En revisión",
    },
}
REGISTER_FILE = (
    b"registration_number,name,other_names,status,valid_from,valid_until,conditions\n"
    b"SW1001,Amara Okafor,,registered,,,\n"
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_portal_and_the_complaint_pages_in_each_language(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    tmp_path: Path,
    assert_accessible: AssertAccessible,
) -> None:
    words = WORDS[language]
    practitioner, profile = oversight.listed_practitioner(legal_name="Amara Okafor")
    entry = RegistrationClaim.objects.get(practitioner=practitioner, state="verified").entry
    assert entry is not None
    officer = oversight.officer_of(legal_name="Siobhan Gallagher", language=language)
    RegulatorOfficer.objects.create(officer=officer, regulator=oversight.regulator("sssc"))
    admin = AdminFactory.create()
    england = oversight.regulator()
    # Nothing listens on port 9 of this machine: the deliveries wait for another try.
    configure_webhook(
        regulator=england, url="http://127.0.0.1:9/casework", secret="s" * 32, actor=admin
    )
    set_conditions(
        entry=entry,
        officer=officer,
        conditions="Trabaja solo con supervisión semanal.",
        reason="Orden provisional mientras revisamos una queja.",
    )
    reading = receive_register_file(
        regulator=england,
        uploaded_file=SimpleUploadedFile("export.csv", REGISTER_FILE),
        file_format="generic-csv",
        uploaded_by=officer,
        check_in_background=False,
    )
    _invitation, token = invite_officer(
        email="nueva@example.org", regulator=oversight.regulator("sssc"), invited_by=admin
    )

    # A visitor reports her from her profile, with evidence, and gets a reference.
    visitor = profile_in(language).new_page()
    visitor.goto(f"{site}/practitioners/{profile.slug}/")
    visitor.get_by_role("link", name=words["report"]).click()
    check_page(visitor, language, assert_accessible)
    visitor.get_by_label(words["about"]).select_option("boundary")
    visitor.get_by_label(words["what happened"]).fill(
        "Me pidió que le pagara en privado, con una tarjeta regalo."
    )
    receipt = tmp_path / "recibo.png"
    receipt.write_bytes(PNG_BYTES)
    visitor.get_by_label(words["evidence"]).set_input_files(str(receipt))
    visitor.get_by_role("button", name=words["send"]).click()
    reference = visitor.locator("#complaint-reference").inner_text()
    secret = visitor.locator("#complaint-secret").inner_text()
    check_page(visitor, language, assert_accessible)

    # The officer acts for two regulators: she chooses England's.
    desk_profile = profile_in(language)
    signed_in_as(desk_profile, site, officer)
    desk = desk_profile.new_page()
    desk.goto(f"{site}/oversight/")
    check_page(desk, language, assert_accessible)
    desk.get_by_role("link", name=str(england)).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(str(england))
    expect(desk.locator("svg, figure").first).to_be_visible()  # the figures' charts
    check_page(desk, language, assert_accessible)

    # The complaints, and the visitor's, with its evidence and its bundle's downloads.
    desk.goto(f"{site}/oversight/complaints/")
    check_page(desk, language, assert_accessible)
    desk.get_by_role("link", name=reference).click()
    check_page(desk, language, assert_accessible)
    with desk.expect_download():
        desk.get_by_role("link", name=words["bundle"]).click()
    desk.reload()
    expect(desk.get_by_text("Siobhan Gallagher").first).to_be_visible()
    check_page(desk, language, assert_accessible)
    desk.get_by_label(words["move to"]).select_option("under_review")
    desk.get_by_role("button", name=words["save"]).click()
    expect(desk.locator("#complaint-state")).to_have_text(words["under review"])
    check_page(desk, language, assert_accessible)

    # Her registration, under conditions; she suspends the listing.
    desk.goto(f"{site}/oversight/registrations/{entry.pk}/")
    check_page(desk, language, assert_accessible)
    desk.get_by_label(words["reason"]).first.fill("Orden provisional mientras investigamos.")
    desk.get_by_role("button", name=words["suspend"]).click()
    expect(desk.locator("#listing-state")).to_have_text(words["suspended"])
    check_page(desk, language, assert_accessible)

    # The notifications to the regulator's system, the register readings, the reviews.
    for path in (
        f"/oversight/regulators/{england.slug}/webhook/",
        "/oversight/imports/",
        f"/oversight/imports/{reading.pk}/",
        "/oversight/reviews/",
    ):
        desk.goto(f"{site}{path}")
        check_page(desk, language, assert_accessible)

    # The visitor follows her complaint.
    visitor.goto(f"{site}/complaints/track/")
    check_page(visitor, language, assert_accessible)
    visitor.get_by_label(words["reference"]).fill(reference)
    visitor.get_by_label(words["secret"]).fill(secret)
    visitor.get_by_role("button", name=words["show"]).click()
    expect(visitor.locator("#complaint-state")).to_have_text(words["under review"])
    check_page(visitor, language, assert_accessible)

    # A new officer opens her invitation.
    invited = profile_in(language).new_page()
    invited.goto(f"{site}/oversight/invitations/{token}/")
    check_page(invited, language, assert_accessible)
