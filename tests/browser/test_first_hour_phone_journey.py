"""A Spanish-speaking client on a 390 by 844 phone goes from the home page to a booked first
session and a first message in at most twelve steps (a link followed or a form submitted;
typing and choosing in fields are no steps), sign-up and email confirmation included, and says
where she is once: the search's place carries on to the profile, the booking and the message.
Then the practitioner, on her phone, confirms the booking and records that online work suits the
client, and the client gives her consent, each told by email and seeing it on their dashboard.
The practitioner works in English, or in Spanish: then every page of hers is Spanish too, with
no English left on it. Every page passes axe and fits 320 and 390 CSS pixels (screenshots kept
in the test's folder). Nothing the journey typed or was sent (her address, her password, her
message, the confirmation link's key) is in anything any logger wrote along the way."""

import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Browser, Page, ViewportSize, expect

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.registry.reference_data import load_reference_data
from casework.scheduling.models import Appointment, AppointmentStatus
from casework.scheduling.services import availability
from casework.testing.directory import listed_practitioner
from casework.testing.logs import decoded, json_logs, lines
from tests.browser.helpers import LOCALES, assert_in_spanish, signed_in_as

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ConfirmationLink = Callable[[str], str]
PASSWORD = "una frase larga que nadie adivina"
EMAIL = "lucia@example.org"
PHONE: ViewportSize = {"width": 390, "height": 844}
MOST_STEPS = 12
MESSAGE = "Hola, Amara. ¿Podemos hablar antes de la sesión?"

# What the practitioner reads and acts on, in her language.
PRACTITIONER_WORDS = {
    "en": {
        "needs": "What needs you now",
        "to confirm": r"Lucía, .*: confirm or decline",
        "confirm": "Confirm",
        "decide": "Decide for Lucía",
        "yes": "Yes",
        "record": "Record",
        "consent given": "given on",
        "told of consent": "[Casework] A client gave their consent",
    },
    "es": {
        "needs": "Lo que te necesita ahora",
        "to confirm": r"Lucía, .*: confirmar o rechazar",
        "confirm": "Confirmar",
        "decide": "Decidir para Lucía",
        "yes": "Sí",
        "record": "Registrar",
        "consent given": "dado el",
        "told of consent": "[Casework] Un cliente ha dado su consentimiento",
    },
}


def _open_practitioner(practitioner: User) -> None:
    """Amara works every hour (so the journey finds a time whenever it runs), confirms first
    sessions herself, and takes bookings from an hour ahead."""
    availability.replace_weekly_hours(
        practitioner=practitioner, windows=[(day, 0, 24 * 60) for day in range(7)]
    )
    availability.update_booking_rules(
        practitioner=practitioner,
        buffer_before_minutes=0,
        buffer_after_minutes=10,
        slot_interval_minutes=30,
        minimum_notice_hours=1,
        max_per_day=None,
        horizon_days=30,
        cancellation_notice_hours=24,
        confirm_first_sessions=True,
    )
    availability.save_session_type(
        practitioner=practitioner,
        name="Sesión por vídeo",
        duration_minutes=50,
        modality="video",
        price=Decimal("65.00"),
        currency="GBP",
    )


class Journey:
    """Counts the steps and checks every page reached: axe, and no sideways scroll at 320 and
    390 px, with a screenshot of each width."""

    def __init__(
        self, page: Page, folder: Path, assert_accessible: AssertAccessible, language: str
    ) -> None:
        self.page, self.folder, self.assert_accessible = page, folder, assert_accessible
        self.language = language
        self.steps: list[str] = []
        self.pages_seen = 0  # steps and plain page loads alike, so no screenshot overwrites another

    def step(self, what: str, action: Callable[[], object]) -> None:
        self.steps.append(what)
        action()
        self.page.wait_for_load_state("load")
        self.check(what)

    def check(self, what: str) -> None:
        """``what`` names the screenshots: a page reached by a plain load (``goto``, ``reload``)
        is not a step, and numbering by steps alone gave it the name of the step before."""
        page = self.page
        self.pages_seen += 1
        name = f"{self.pages_seen:02d}-{re.sub(r'[^a-z0-9]+', '-', what.lower()).strip('-')}"
        self.assert_accessible(page)
        if self.language == "es":
            assert_in_spanish(page)
        problems = []
        for width in (320, 390):
            page.set_viewport_size({"width": width, "height": PHONE["height"]})
            page.screenshot(path=str(self.folder / f"{name}-{width}.png"))
            extra = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if extra > 0:
                problems.append(f"{page.url} is {extra}px too wide at {width}px")
        page.set_viewport_size(PHONE)
        assert not problems, "\n".join(problems)


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    with json_logs() as stream:
        yield stream


@pytest.mark.parametrize("practitioners_language", ["en", "es"])
def test_a_spanish_client_on_a_phone_books_and_writes_in_twelve_steps(
    practitioners_language: str,
    browser: Browser,
    site: str,
    transactional_db: None,
    tmp_path: Path,
    assert_accessible: AssertAccessible,
    confirmation_link: ConfirmationLink,
    written: io.StringIO,
) -> None:
    load_reference_data()
    # She writes her profile in Spanish for Spanish readers: any English left is the site's.
    profile = listed_practitioner(
        legal_name="Amara Okafor",
        languages=["en", "es"],
        bio_source="Acompaño a personas adultas en **momentos difíciles**.",
    )
    listed_practitioner(legal_name="Rosa Delgado", regulator="us-ca-bbs", languages=["es"])
    _open_practitioner(profile.practitioner)
    profile.practitioner.language = practitioners_language
    profile.practitioner.save(update_fields=["language"])
    words = PRACTITIONER_WORDS[practitioners_language]
    context = browser.new_context(
        locale="es-ES", timezone_id="Europe/London", viewport=PHONE, is_mobile=True
    )
    context.set_default_timeout(15_000)
    # The test server speaks no websockets: live.js's retries are answered in the browser.
    context.route_web_socket(re.compile(r"/ws/"), lambda socket: None)
    page = context.new_page()
    journey = Journey(page, tmp_path, assert_accessible, "es")
    main = page.get_by_role("main")

    page.goto(f"{site}/")
    journey.check("home")
    journey.step(
        "the directory",
        lambda: page.get_by_role("link", name="Encuentra un/a trabajador/a social").first.click(),
    )

    # Her place, once: the country by its Spanish name, then (offered at once) its region.
    search = page.get_by_role("search", name="Buscar en el directorio")
    where = search.get_by_label("Dónde está el cliente")
    where.fill("Reino Unido")
    where.press("Tab")
    search.locator("select[name=where_region]").select_option("GB-ENG")
    journey.step("search", lambda: search.get_by_role("button", name="Buscar").click())
    results = page.locator("#search-results")
    expect(results).to_contain_text("Amara Okafor")
    expect(results).not_to_contain_text("Rosa Delgado")
    journey.step(
        "the profile",
        lambda: results.get_by_role("link", name="Amara Okafor", exact=True).click(),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")

    # A time, then sign-up and the email's link, and back to the chosen time.
    panel = page.get_by_role("region", name="Reservar una sesión")
    a_time = panel.locator("ul.actions a").nth(2)  # one that stays an hour ahead meanwhile
    assert "where=GB-ENG" in (a_time.get_attribute("href") or "")
    journey.step("a time", a_time.click)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    journey.step(
        "sign up instead", lambda: main.locator("a[href*='/accounts/signup/']").first.click()
    )
    page.locator("input[name=alias]").fill("Lucía")
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    journey.step(
        "create the account", lambda: main.get_by_role("button", name="Crear cuenta").click()
    )
    link = confirmation_link(EMAIL)
    journey.step("the email's link", lambda: page.goto(link))
    journey.step("confirm", lambda: main.get_by_role("button", name="Confirmar").click())
    page.locator("input[name=login]").fill(EMAIL)
    page.locator("input[name=password]").fill(PASSWORD)
    journey.step("sign in", lambda: main.get_by_role("button", name="Iniciar sesión").click())
    expect(page).to_have_url(re.compile(r"/book/confirm/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma tu reserva")
    # Not asked again: the place she gave the search is the one to book with.
    expect(page.locator("select[name=where_region]")).to_have_value("GB-ENG")
    journey.step("book", lambda: main.get_by_role("button", name="Solicitar esta hora").click())
    appointment = Appointment.objects.get(client__email=EMAIL)
    assert appointment.client_location_id == "GB-ENG"

    # The first message, from the appointment: the place comes along again.
    journey.step("write", lambda: main.get_by_role("link", name="Escribir a Amara Okafor").click())
    expect(page.locator("select[name=where_region]")).to_have_value("GB-ENG")
    page.get_by_label("Tu mensaje").fill(MESSAGE)
    journey.step("send", lambda: main.get_by_role("button", name="Enviar").click())
    expect(main).to_contain_text("¿Podemos hablar antes de la sesión?")
    conversation = Conversation.objects.get(client__email=EMAIL)
    assert conversation.practitioner_id == profile.practitioner_id

    assert len(journey.steps) <= MOST_STEPS, journey.steps
    assert User.objects.get(email=EMAIL).place == "GB-ENG"  # kept for her next visit

    # Amara, on her phone: her dashboard asks her to confirm; Lucía is told by email.
    hers = browser.new_context(
        locale=LOCALES[practitioners_language],
        timezone_id="Europe/London",
        viewport=PHONE,
        is_mobile=True,
    )
    hers.set_default_timeout(15_000)
    hers.route_web_socket(re.compile(r"/ws/"), lambda socket: None)
    signed_in_as(hers, site, profile.practitioner)
    amara = hers.new_page()
    at_work = Journey(amara, tmp_path / "practitioner", assert_accessible, practitioners_language)
    at_work.folder.mkdir()
    her_main = amara.get_by_role("main")
    amara.goto(f"{site}/home/")
    at_work.check("overview")
    needs = amara.get_by_role("region", name=words["needs"])
    at_work.step(
        "the booking to confirm",
        lambda: needs.get_by_role("link", name=re.compile(words["to confirm"])).click(),
    )
    at_work.step("confirm", lambda: her_main.get_by_role("button", name=words["confirm"]).click())
    assert _emails_to(EMAIL, "[Casework] Cita confirmada")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED

    # What Lucía sees: her overview shows the session with Amara, no longer waiting for her.
    page.goto(f"{site}/home/")
    journey.check("overview, booking confirmed")
    next_appointment = main.get_by_role("region", name="Lo que te necesita ahora").locator(
        "li", has=page.get_by_role("heading", name="Tu próxima cita")
    )
    expect(next_appointment).to_contain_text("con Amara Okafor")
    expect(
        next_appointment.locator(
            f"a[href='{reverse('scheduling:appointment', args=[appointment.pk])}'] time"
        )
    ).to_be_visible()
    expect(next_appointment).not_to_contain_text("Está pendiente de que el trabajador social")

    # The confirmed session opened Lucía's case: Amara records that online work suits her.
    amara.goto(f"{site}/home/")
    at_work.check("overview, case opened")
    at_work.step(
        "the decision waiting",
        lambda: needs.get_by_role("link", name=words["decide"]).click(),
    )
    her_main.get_by_label(words["yes"], exact=True).check()
    at_work.step(
        "record", lambda: her_main.get_by_role("button", name=words["record"], exact=True).click()
    )
    assert _emails_to(EMAIL, "[Casework] Tu trabajador social te pide tu consentimiento")

    # Lucía's dashboard asks for her consent; she gives it; Amara is told and sees it.
    page.goto(f"{site}/home/")
    journey.check("overview, consent asked")
    journey.step(
        "consent to give",
        lambda: (
            main.get_by_role("region", name="Lo que te necesita ahora")
            .get_by_role("link", name="Leer y decidir")
            .click()
        ),
    )
    journey.step(
        "read", lambda: main.get_by_role("link", name=re.compile("Leer y decidir")).first.click()
    )
    page.get_by_label("He leído esto y estoy de acuerdo.").check()
    journey.step(
        "consent", lambda: main.get_by_role("button", name="Dar mi consentimiento").click()
    )
    assert _emails_to(profile.practitioner.email, words["told of consent"])
    amara.reload()
    at_work.check("case, consent given")
    expect(her_main.locator("dd").filter(has_text=words["consent given"]).first).to_be_visible()
    hers.close()
    context.close()

    # The logs of the whole journey, pages and emails: the requests are there, with their ids;
    # her address, password and message, the practitioner's address and the key are not.
    requests = [line for line in lines(written) if line["event"] == "request"]
    assert len(requests) >= 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in requests)
    text = decoded(written)
    key = link.rstrip("/").rsplit("/", 1)[-1]
    for secret in (EMAIL, profile.practitioner.email, PASSWORD, MESSAGE, "Podemos hablar", key):
        assert secret not in text, secret
    assert "@example" not in text
    assert "[email]" not in text  # nor did anything try to: the redaction found no address


def _emails_to(address: str, subject: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to and m.subject == subject]
