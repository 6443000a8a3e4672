"""What a message may carry that puts someone at risk (PRODUCT C7), in English and Spanish.

``detect(text)`` is pure: it reads only the text and the rules, stores and logs nothing, and
returns one :class:`Detection` per category found. The safety screen calls it for every message
(``casework.safety.checks.detected``); the nudge shown before sending and the moderation queue
reuse it.

The rules are data: ``data/detection_rules.toml`` (patterns per category and language),
``data/offensive_terms.toml`` (offensive-language lexicons with their sources) and
``data/service_numbers.toml`` (public numbers that are never personal ones). What is not a
pattern is here: phone numbers (phonenumbers' matcher), e-mail addresses, IBANs (checksum) and
English offensive language (alt-profanity-check's model). Precision and recall are measured on
``data/labelled_messages.csv`` by ``make bench``.
"""

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.safety.crisis import DATA_FILE as CRISIS_FILE

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "es")

OFF_PLATFORM_PAYMENT = "off_platform_payment"
PERSONAL_CHANNEL = "personal_channel"
SEXUAL_CONTENT = "sexual_content"
HARASSMENT = "harassment"
THREAT = "threat"
PRESSURE = "pressure"
OFFENSIVE_LANGUAGE = "offensive_language"

# alt-profanity-check's probability from which an English message is offensive. The model is
# only asked about messages with a term from the English list (it over-scores plain distress:
# "I hate this", "I want to kill myself"), so the bar can be its own midpoint.
PROFANITY_THRESHOLD = 0.5

# Named in the moderators' queue, where no content (and so no reason's wording) is shown.
LABELS: dict[str, Promise] = {
    OFF_PLATFORM_PAYMENT: _("Off-platform payment"),
    PERSONAL_CHANNEL: _("Personal channel"),
    SEXUAL_CONTENT: _("Sexual content"),
    HARASSMENT: _("Harassment"),
    THREAT: _("Threat"),
    PRESSURE: _("Pressure"),
    OFFENSIVE_LANGUAGE: _("Offensive language"),
}
# Said to moderators (why it was flagged) and to the sender (the safer way), per category.
REASONS: dict[str, Promise] = {
    OFF_PLATFORM_PAYMENT: _(
        "Asks for or offers payment outside Casework (gift cards, crypto, transfers, payment "
        "apps or bank details)."
    ),
    PERSONAL_CHANNEL: _(
        "Suggests moving to a personal channel (private phone number, e-mail, messaging app or "
        "social media)."
    ),
    SEXUAL_CONTENT: _("Contains sexual content, or a sexual or romantic approach."),
    HARASSMENT: _("Insults or demeans the other person, or says they are being watched."),
    THREAT: _("Threatens the other person, their family or their reputation."),
    PRESSURE: _("Pressures the other person with deadlines, secrecy or guilt."),
    OFFENSIVE_LANGUAGE: _("Uses offensive or abusive language."),
}
SAFER_WAYS: dict[str, Promise] = {
    OFF_PLATFORM_PAYMENT: _(
        "Payments go through Casework: fees are paid on the booking page, never with gift "
        "cards, crypto, bank transfers or payment apps. Nobody on Casework needs your bank "
        "details."
    ),
    PERSONAL_CHANNEL: _(
        "Keep contact on Casework, where the social worker's regulator can see what was said "
        "if something goes wrong. Messages, video calls and files all work here; crisis lines "
        "and public services are fine to share."
    ),
    SEXUAL_CONTENT: _(
        "Sexual or romantic messages have no place in a professional relationship. If sex or "
        "relationships are part of what you need help with, say so plainly."
    ),
    HARASSMENT: _(
        "Say what went wrong without attacking the person. If something is not working, you "
        "can report it to Casework."
    ),
    THREAT: _(
        "Threats are never acceptable. If you were treated badly, report it to Casework: it "
        "will be looked at."
    ),
    PRESSURE: _(
        "Give the other person time to decide, and never ask them to keep something secret "
        "from their family, their doctor or Casework."
    ),
    OFFENSIVE_LANGUAGE: _(
        "Some words in this message may hurt or offend. Strong feelings can be said without them."
    ),
}


@dataclass(frozen=True)
class Detection:
    category: str
    severity: int  # 1 (lowest) to 3: the moderation queue orders by it
    # True for payment, personal channels and sexual content: a practitioner who writes this
    # crosses a professional boundary, sent or not.
    boundary_crossing: bool
    reason: Promise  # for moderators
    safer_way: Promise  # for the sender, before sending


@dataclass(frozen=True)
class _Rule:
    key: str
    severity: int
    boundary_crossing: bool
    own_words_only: bool
    patterns: dict[str, re.Pattern[str] | None]  # per language code and "any"


# ---------------------------------------------------------------------------------------------
# Reading the text


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Case-folded, accents removed, curly quotes straightened, spaces joined."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_QUOTES))
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(plain.split())


# Quoted or reported speech: what someone else said, told by the person it was said to.
_REPORTED = re.compile(
    r'"[^"]*"|«[^»]*»'
    r"|\b(?:called|calls|calling) (?:me|her|him|us|them|my \w+)\b[^.!?;\n]*"
    r"|(?<!\byou )(?<!\bi )\b(?:said|says|told|tells|texted|wrote|shouted|yelled|screamed|"
    r"messaged|kept messaging|keeps messaging|kept saying|keeps saying|posted|commented|"
    r"threatened|was saying|asked|asks|asking|wanted|wants)\b[^.!?;\n]*"
    r"|\b(?:me|le|les|nos|te) (?:llamo|llama|llamaba|llamaron|dijo|dice|decia|dijeron|grito|"
    r"grita|gritaba|escribio|escribe|insulto|insulta|insultaba|amenazo|amenaza)\b[^.!?;\n]*"
    r"|\b(?:dijo|dice|decia|dijeron|grito|gritaba|escribio|puso|amenazo|queria|quiere|pidio|"
    r"pide|pedia) que\b[^.!?;\n]*"
    r"|\b(?:pidiendole|pidiendome|pidiendonos|me pidio|le pidio|me pide|le pide)\b[^.!?;\n]*"
)


def own_words(normalised: str) -> str:
    return _REPORTED.sub(" ", normalised)


# ---------------------------------------------------------------------------------------------
# The rules


@cache
def _rules() -> tuple[_Rule, ...]:
    with (DATA / "detection_rules.toml").open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    rules = []
    for item in data["category"]:
        patterns: dict[str, re.Pattern[str] | None] = {}
        for language, sources in item["patterns"].items():
            patterns[language] = (
                re.compile("|".join(f"(?:{p})" for p in sources)) if sources else None
            )
        rules.append(
            _Rule(
                key=item["key"],
                severity=item["severity"],
                boundary_crossing=item["boundary_crossing"],
                own_words_only=item["own_words_only"],
                patterns=patterns,
            )
        )
    return tuple(rules)


def _languages(language: str | None) -> tuple[str, ...]:
    code = (language or "").split("-")[0].split("_")[0].lower()
    return (code,) if code in LANGUAGES else LANGUAGES


@cache
def _offensive_terms() -> dict[str, re.Pattern[str]]:
    with (DATA / "offensive_terms.toml").open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    lexicons = {}
    for language in LANGUAGES:
        terms = [normalise(t) for t in data[language]["words"] + data[language]["phrases"]]
        alternatives = "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))
        # Whole words only, with an optional plural.
        lexicons[language] = re.compile(rf"\b(?:{alternatives})(?:e?s)?\b")
    return lexicons


@cache
def _profanity_model() -> Any:
    # Loading scikit-learn and the model takes a second or two: only once, and only for a
    # message that has an English offensive term in it.
    from profanity_check import predict_prob

    return predict_prob


def _offensive(text: str, languages: Iterable[str]) -> bool:
    lexicons = _offensive_terms()
    for language in languages:
        if not lexicons[language].search(text):
            continue
        if language != "en":
            return True
        if float(_profanity_model()([text])[0]) >= PROFANITY_THRESHOLD:
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Phone numbers, e-mail addresses, IBANs


@cache
def _service_data() -> tuple[frozenset[str], frozenset[str]]:
    """Digits of public service and crisis numbers; organisations' e-mail domains."""
    with (DATA / "service_numbers.toml").open("rb") as handle:
        services: dict[str, Any] = tomllib.load(handle)
    with CRISIS_FILE.open("rb") as handle:
        crisis: dict[str, Any] = tomllib.load(handle)
    numbers = {n.lstrip("0") for n in services["numbers"]}
    domains = set(services["email_domains"])
    for item in crisis["jurisdiction"]:
        for line in item.get("line", []):
            for field in ("phone", "sms"):
                digits = re.sub(r"\D", "", line.get(field, ""))
                if digits:
                    numbers.add(digits.lstrip("0"))
            host = re.sub(r"^https?://(?:www\.)?", "", line.get("url", "")).split("/")[0]
            if host:
                domains.add(host.lower())
    return frozenset(numbers), frozenset(domains)


_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?: ?[a-z0-9]){11,30}\b")


def iban_valid(candidate: str) -> bool:
    """The ISO 13616 check: move the first four characters to the end, letters to numbers,
    and the result modulo 97 is 1."""
    compact = candidate.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(char, 36)) for char in rearranged)
    return int(as_number) % 97 == 1


def _has_iban(text: str) -> bool:
    return any(iban_valid(match.group(0)) for match in _IBAN.finditer(text))


_REGIONS = ("GB", "ES", "US")
# A landline counts only when offered as the sender's own ("call me on ...").
_FIRST_PERSON = re.compile(r"\b(?:me|my|mine|mi|mio|llamame|escribeme|contactame)\b")
# Case, order and reference numbers look like phone numbers to the matcher.
_REFERENCE = re.compile(
    r"\b(?:ref|reference|case|order|file|crime|expediente|pedido|referencia|denuncia|no|n|num)"
    r"\b\W*(?:(?:number|numero|no|n)\b\W*)?(?:(?:is|es)\b\W*)?$"
)
_DIGITS = re.compile(r"\d")


@cache
def _personal_phone_types() -> frozenset[int]:
    """The kinds of number that reach one person wherever they are."""
    import phonenumbers

    return frozenset(
        {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
            phonenumbers.PhoneNumberType.VOIP,
            phonenumbers.PhoneNumberType.PAGER,
        }
    )


def _has_personal_phone_number(text: str) -> bool:
    if len(_DIGITS.findall(text)) < 7:
        return False
    # Imported here, where a text with enough digits is screened, not with the models: the web
    # process serving the public pages never needs it (issue 21, test_web_process_imports).
    import phonenumbers

    personal_types = _personal_phone_types()
    service, _domains = _service_data()
    # An IBAN's digits (even a mistyped one's) look like a phone number: it is a payment detail.
    text = _IBAN.sub(" ", text)
    for region in _REGIONS:
        # POSSIBLE, not VALID: a number allocated after this copy of phonenumbers' metadata is
        # still someone's number; the type or a first-person cue decides below.
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.POSSIBLE):
            digits = re.sub(r"\D", "", match.raw_string).lstrip("0")
            national = phonenumbers.national_significant_number(match.number).lstrip("0")
            if digits in service or national in service:
                continue
            # Phone numbers are not written with slashes; dates and case numbers are.
            before = text[max(0, match.start - 40) : match.start]
            if "/" in match.raw_string or _REFERENCE.search(before[-30:]):
                continue
            kind = phonenumbers.number_type(match.number)
            if kind in personal_types:
                return True
            # A landline, or a number the metadata does not know, counts when offered as the
            # sender's own ("call me on ...", "mine is ...").
            offered = _FIRST_PERSON.search(before)
            if offered and (
                kind == phonenumbers.PhoneNumberType.FIXED_LINE
                or (kind == phonenumbers.PhoneNumberType.UNKNOWN and len(national) >= 9)
            ):
                return True
    return False


_EMAIL = re.compile(r"\b[a-z0-9._%+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b")


def _has_personal_email(text: str) -> bool:
    _numbers, domains = _service_data()
    for match in _EMAIL.finditer(text):
        domain = match.group(1)
        if not any(domain == d or domain.endswith("." + d) for d in domains):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Detection


def _detection(rule: _Rule) -> Detection:
    return Detection(
        category=rule.key,
        severity=rule.severity,
        boundary_crossing=rule.boundary_crossing,
        reason=REASONS[rule.key],
        safer_way=SAFER_WAYS[rule.key],
    )


def detect(text: str, *, language: str | None = None) -> list[Detection]:
    """Every category of risk in ``text``, most severe first.

    ``language`` ("en", "es", "es-ES"...) narrows the rules to that language; None or another
    language uses all of them, since people switch languages within a conversation.
    """
    if not text.strip():
        return []
    languages = _languages(language)
    normalised = normalise(text)
    mine = own_words(normalised)
    found = []
    for rule in _rules():
        subject = mine if rule.own_words_only else normalised
        hit = any(
            pattern.search(subject)
            for code in ("any", *languages)
            if (pattern := rule.patterns.get(code)) is not None
        )
        if not hit and rule.key == PERSONAL_CHANNEL:
            hit = _has_personal_email(normalised) or _has_personal_phone_number(normalised)
        if not hit and rule.key == OFF_PLATFORM_PAYMENT:
            hit = _has_iban(normalised)
        if not hit and rule.key == OFFENSIVE_LANGUAGE:
            hit = _offensive(mine, languages)
        if hit:
            found.append(_detection(rule))
    return sorted(found, key=lambda d: -d.severity)
