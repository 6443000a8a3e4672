"""Detection in English and Spanish: each category, the hard negatives, and the product's
precision and recall targets on the labelled set."""

import logging

import pytest

from casework.safety import detection, evaluation
from casework.safety.crisis import covered_jurisdictions, crisis_resources_for
from casework.safety.detection import (
    HARASSMENT,
    OFF_PLATFORM_PAYMENT,
    OFFENSIVE_LANGUAGE,
    PERSONAL_CHANNEL,
    PRESSURE,
    SEXUAL_CONTENT,
    THREAT,
    detect,
    iban_valid,
)


def categories(text: str, language: str | None = None) -> set[str]:
    return {d.category for d in detect(text, language=language)}


@pytest.mark.parametrize(
    ("category", "english", "spanish"),
    [
        (
            OFF_PLATFORM_PAYMENT,
            "Buy two Apple gift cards and send me the codes",
            "Hazme un Bizum de 40 euros y te guardo la cita",
        ),
        (
            OFF_PLATFORM_PAYMENT,
            "You can pay me in Bitcoin, it skips the platform fee",
            "Si me pagas en efectivo nos ahorramos la comisión de la plataforma",
        ),
        (
            OFF_PLATFORM_PAYMENT,
            "My IBAN is GB82 WEST 1234 5698 7654 32",
            "Mi IBAN es ES91 2100 0418 4502 0005 1332",
        ),
        (
            PERSONAL_CHANNEL,
            "Let's continue on WhatsApp, it's easier",
            "Escríbeme por WhatsApp, es más fácil",
        ),
        (PERSONAL_CHANNEL, "Text me on 07911 123456 tonight", "Llámame al 612 345 678"),
        (
            PERSONAL_CHANNEL,
            "Email me at robin.private@example.com",
            "Mi correo personal es lucia.gomez84@gmail.com",
        ),
        (
            SEXUAL_CONTENT,
            "Send me some naked pics tonight",
            "Mándame una foto tuya en ropa interior",
        ),
        (SEXUAL_CONTENT, "What are you wearing right now?", "¿Qué llevas puesto ahora mismo?"),
        (HARASSMENT, "You're a useless idiot", "Eres una inútil"),
        (HARASSMENT, "I've been watching your house", "He estado vigilando tu casa"),
        (THREAT, "I know where you live", "Sé dónde vives"),
        (THREAT, "You'll regret this", "Te vas a arrepentir de esto"),
        (PRESSURE, "Keep this between us", "Que quede entre tú y yo"),
        (PRESSURE, "Why are you ignoring me?", "¿Por qué me ignoras?"),
        (
            OFFENSIVE_LANGUAGE,
            "This week has been fucking awful",
            "Esta semana ha sido una puta mierda",
        ),
    ],
)
def test_each_category_is_found_in_both_languages(
    category: str, english: str, spanish: str
) -> None:
    assert category in categories(english, "en")
    assert category in categories(spanish, "es")
    # Without a language (as the screen calls it), every language's rules apply.
    assert category in categories(english)
    assert category in categories(spanish)


@pytest.mark.parametrize(
    "text",
    [
        # A practitioner giving crisis and public service numbers.
        "If you are in danger, call Samaritans on 116 123 or the emergency services on 999.",
        "The Breathing Space line is 0800 83 85 87 in the evenings.",
        "Call the National Domestic Abuse Helpline on 0808 2000 247.",
        "Llama al 016 si vuelve a pasar, es gratuito y no aparece en la factura.",
        "El Teléfono de la Esperanza es el 717 003 717, puedes llamar cuando quieras.",
        "The Samaritans email is jo@samaritans.org if you'd rather write.",
        # WhatsApp, Facebook and crypto in a story.
        "My sister sent me a video on WhatsApp of the kids at the beach.",
        "Mi madre usa WhatsApp para hablar con la familia en Colombia.",
        "My son lost his savings on crypto last year.",
        "Alguien en Instagram le pidió a mi hijo tarjetas regalo, ¿es una estafa?",
        # A fee paid through the platform.
        "I paid the fee through Casework, the receipt is in my account.",
        "Pagué la sesión por Casework, el recibo está en mi cuenta.",
        # Pressure, insults and threats that someone else said, told by the person hurt.
        "I feel pressured at work to do overtime I can't manage.",
        "Me siento presionada en el trabajo para hacer horas extra.",
        "He called me a stupid bitch in front of the kids.",
        "Me llamó zorra delante de los niños.",
        'My ex said "I\'ll find you" when I left.',
        # Distress, disclosure and everyday words.
        "Sometimes I want to kill myself, I don't know why I'm telling you this.",
        "I was sexually abused as a child and I've never told anyone.",
        "Bloody hell, what a week.",
        "You're brilliant at explaining things.",
        # Words that are threats or pressure only in other sentences.
        "Tuesday or else Wednesday?",
        "¿El martes o si no el miércoles?",
        "Te voy a buscar un hueco el jueves.",
        "I'll find you a slot on Thursday.",
        "You owe me nothing, it's my job.",
        "Your body is telling you to rest.",
        "My case number is 2024/118/332 if that helps.",
        "La policía me dio un número de denuncia, 4412-7761-2024.",
        "",
    ],
)
def test_hard_negatives_are_not_flagged(text: str) -> None:
    assert categories(text) == set()


# Ways of being paid around the platform the labelled set does not hold: a payment app used as
# a verb or named as the destination, transfers to "this account", payment links, phone credit,
# PayPal's friends and family, money orders and cheques, cash in an envelope.
@pytest.mark.parametrize(
    "text",
    [
        "Just PayPal it to me, it's quicker",
        "Pay the balance into my Monzo please",
        "Please settle the session fee with Apple Pay to my number",
        "Could you pop £40 over to me by bank transfer?",
        "please transfer the money to this account: 12345678",
        "A Steam card would be fine as payment",
        "Send it as friends and family so there are no fees",
        "I'll send you a payment link, it's cheaper than the site",
        "Could you top up my phone credit? I'll count it as the fee",
        "Make the cheque out to me personally",
        "Just leave the cash in an envelope at reception",
        "Send it to my Binance account",
        "Bizúmame los 40 euros",
        "Hazme un ingreso de 60 euros",
        "Te mando un enlace de pago, es más barato que la web",
        "Hazme una recarga del móvil y lo damos por pagado",
        "¿Me puedes dar los datos de tu tarjeta?",
        "Puedes pagarme en mi web, sale más barato",
    ],
)
def test_more_ways_of_paying_around_the_platform_are_found(text: str) -> None:
    assert OFF_PLATFORM_PAYMENT in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "My PayPal account was hacked last week and I'm stressed",
        "I'm not comfortable sharing my personal number, is that okay?",
        "My benefits are paid into my account on Fridays",
    ],
)
def test_a_story_or_a_refusal_is_not_a_request(text: str) -> None:
    assert categories(text) == set()


def test_every_confirmed_crisis_line_can_be_shared() -> None:
    for code in covered_jurisdictions():
        for line in crisis_resources_for(code).lines:
            if line.phone:
                assert PERSONAL_CHANNEL not in categories(
                    f"You can call {line.name} on {line.phone} at any time."
                ), line.name


def test_a_personal_number_is_still_found_next_to_a_crisis_line() -> None:
    assert PERSONAL_CHANNEL in categories("Samaritans are on 116 123, or text me on 07911 123456")


def test_accents_and_case_do_not_matter() -> None:
    assert PERSONAL_CHANNEL in categories("LLAMAME AL 612 345 678")
    assert SEXUAL_CONTENT in categories("Estás MUY buena en la foto")
    assert HARASSMENT in categories("eres una inutil")


def test_a_language_narrows_the_rules() -> None:
    assert HARASSMENT in categories("Eres una inútil", "es")
    assert HARASSMENT not in categories("Eres una inútil", "en")
    assert HARASSMENT in categories("Eres una inútil", "fr")  # unknown: every language


def test_findings_say_why_and_what_is_safer_and_which_cross_a_boundary() -> None:
    found = {d.category: d for d in detect("Send nudes and pay me on PayPal, you idiot")}
    assert set(found) == {SEXUAL_CONTENT, OFF_PLATFORM_PAYMENT, HARASSMENT, OFFENSIVE_LANGUAGE}
    assert found[SEXUAL_CONTENT].boundary_crossing
    assert found[OFF_PLATFORM_PAYMENT].boundary_crossing
    assert not found[HARASSMENT].boundary_crossing
    assert str(found[OFF_PLATFORM_PAYMENT].safer_way).startswith("Payments go through Casework")
    for category in evaluation.CATEGORIES:
        assert str(detection.REASONS[category])
        assert str(detection.SAFER_WAYS[category])
    # Most severe first: the moderation queue's order.
    severities = [d.severity for d in detect("Send nudes and pay me on PayPal, you idiot")]
    assert severities == sorted(severities, reverse=True)


def test_only_ibans_with_a_valid_checksum_count() -> None:
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
    assert categories("Reference GB82 WEST 1234 5698 7654 33 on the letter") == set()


def test_detection_writes_nothing_to_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        detect("Text me on 07911 123456, you stupid cow")
    assert "07911" not in caplog.text
    assert "cow" not in caplog.text


def test_the_labelled_set_is_large_and_covers_both_languages_and_every_category() -> None:
    samples = evaluation.labelled_samples()
    assert len(samples) >= 400
    assert len({s.text for s in samples}) == len(samples)
    assert {s.split for s in samples} == set(evaluation.SPLITS)
    for language in ("en", "es"):
        mine = [s for s in samples if s.language == language]
        assert sum(not s.categories for s in mine) >= 80  # hard and plain negatives
        for category in evaluation.CATEGORIES:
            assert sum(category in s.categories for s in mine) >= 8, (language, category)


def test_the_products_precision_and_recall_targets_hold_on_the_labelled_set() -> None:
    parts, _found = evaluation.scores(evaluation.labelled_samples())
    for score in parts["all"]:
        if score.target is not None:
            assert score.meets_target, (score.category, score.precision, score.recall)
