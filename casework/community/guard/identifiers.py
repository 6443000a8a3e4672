"""What in a story could identify a client, in English and Spanish (PRODUCT C9).

``find_identifiers(text)`` is pure: it reads the text and the word lists in ``data/``, stores and
logs nothing, and returns the spans an author is asked to look at again, each with its kind.
Contact details are found by their shape (phonenumbers' matcher for phone numbers); names,
schools, workplaces and small places by a list of given names and by the words around them
("a girl called", "la madre de", "Primary School", "el pueblo de"); a date or an age only where
it is a birth date, or stands next to a name or a place. Public figures, organisations, large
places, crisis lines and the author's own name are never flagged. Why rules and not a trained
model: see the README ("The confidentiality guard").
"""

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.safety.crisis import DATA_FILE as CRISIS_FILE

if TYPE_CHECKING:
    import phonenumbers

DATA = Path(__file__).resolve().parent / "data"
SERVICE_NUMBERS_FILE = Path(CRISIS_FILE).parent / "service_numbers.toml"

NAME = "name"
PHONE = "phone"
EMAIL = "email"
ADDRESS = "address"
DATE = "date"
CASE_NUMBER = "case_number"
INSTITUTION = "institution"
PLACE = "place"
COMBINATION = "combination"

KINDS = (NAME, PHONE, EMAIL, ADDRESS, DATE, CASE_NUMBER, INSTITUTION, PLACE, COMBINATION)

# Said to the author beside each highlighted span: why it could identify someone.
REASONS: dict[str, Promise] = {
    NAME: _("A person's name: use a different name and say so, or no name at all."),
    PHONE: _("A phone number: anyone can call it, and it leads to one person."),
    EMAIL: _("An e-mail address: it leads to one person."),
    ADDRESS: _("A street, an address or a postcode: it leads to a home."),
    DATE: _(
        "A date of birth or an exact age beside a name or a place: together they single "
        'someone out. Say "a teenager" or "in her thirties".'
    ),
    CASE_NUMBER: _("A case, file or identity number: it leads straight to a record."),
    INSTITUTION: _(
        "A named school, hospital or workplace: people there will recognise the "
        'story. Say "a local school" instead.'
    ),
    PLACE: _("A small place: in a village or an estate, a story points to a family."),
    COMBINATION: _(
        'A rare combination ("the only ... in ..."): it describes one family or '
        "one person, even without a name."
    ),
}
LABELS: dict[str, Promise] = {
    NAME: _("name"),
    PHONE: _("phone number"),
    EMAIL: _("e-mail address"),
    ADDRESS: _("address"),
    DATE: _("date of birth or age"),
    CASE_NUMBER: _("case or file number"),
    INSTITUTION: _("school or workplace"),
    PLACE: _("small place"),
    COMBINATION: _("rare combination"),
}

# Phone numbers are read as dialled in these countries (the product's first markets).
PHONE_REGIONS = ("GB", "ES", "US")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str

    @property
    def reason(self) -> Promise:
        return REASONS[self.kind]

    @property
    def label(self) -> Promise:
        return LABELS[self.kind]


# ---------------------------------------------------------------------------------------------
# Word lists


def _words(name: str) -> frozenset[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in line.split())


@cache
def given_names() -> frozenset[str]:
    return _words("given_names.txt")


@cache
def public_places() -> frozenset[str]:
    return frozenset(word.casefold() for word in _words("public_places.txt"))


@cache
def _public_names() -> re.Pattern[str]:
    text = (DATA / "public_names.txt").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
    names.sort(key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.I)


@cache
def service_numbers() -> frozenset[str]:
    """Digits (without leading zeros) of crisis lines and public services: never a client's."""
    with SERVICE_NUMBERS_FILE.open("rb") as handle:
        services: dict[str, Any] = tomllib.load(handle)
    with Path(CRISIS_FILE).open("rb") as handle:
        crisis: dict[str, Any] = tomllib.load(handle)
    numbers = {n.lstrip("0") for n in services["numbers"]}
    for item in crisis["jurisdiction"]:
        for line in item.get("line", []):
            for field in ("phone", "sms"):
                digits = re.sub(r"\D", "", line.get(field, ""))
                if digits:
                    numbers.add(digits.lstrip("0"))
    return frozenset(numbers)


@cache
def service_email_domains() -> frozenset[str]:
    with SERVICE_NUMBERS_FILE.open("rb") as handle:
        services: dict[str, Any] = tomllib.load(handle)
    return frozenset(domain.lower() for domain in services["email_domains"])


# ---------------------------------------------------------------------------------------------
# Patterns

UPPER = "A-ZÁÉÍÓÚÑÜ"
LOWER = "a-záéíóúñüç"
CAP = rf"[{UPPER}][{LOWER}'\u2019-]+"
CAPS = rf"{CAP}(?:\s+(?:(?:de|del|la|las|los|el|y|of|the)\s+)?{CAP})*"

_EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_LONG_DIGITS = re.compile(r"(?<![\w/+-])\+?\d[\d .()-]{7,}\d(?![\w/])")

_UK_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b")
_ES_POSTCODE = re.compile(
    r"\b(?:(?i:c\.\s?p\.|código postal|cp)\s*:?\s*\d{5}"
    rf"|(?:0[1-9]|[1-4]\d|5[0-2])\d{{3}}\s+{CAP})"
)
_STREET_WORDS = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Way|Court|Crescent|Terrace|Place|"
    r"Gardens|Grove|Row|Square|Walk|Mews|Parade"
)
_UK_STREET = re.compile(
    rf"\b(?:(?:flat|no\.?)\s*)?\d{{1,4}}[a-zA-Z]?,?\s+(?:{CAP}\s+){{1,3}}(?:{_STREET_WORDS})\b\.?"
    rf"|\b(?<=\s)(?:{CAP}\s+){{1,2}}(?:Street|Road|Avenue|Lane|Close|Drive|Crescent|Terrace|"
    r"Gardens|Grove|Mews)\b"
)
_ES_STREET = re.compile(
    r"(?i:\b(?:calle|c/|avenida|avda\.?|plaza|pza\.?|paseo|camino|carretera|travesía|ronda|"
    r"glorieta|callejón)\s+)"
    rf"(?:(?i:de|del|la|las|los|el)\s+)*[{UPPER}0-9][\w'\u2019-]*"
    rf"(?:\s+(?:(?i:de|del|la|las|los|el|y)\s+)*[{UPPER}][\w'\u2019-]*)*"
    r"(?:,?\s*(?:n[º°o.]\s*)?\d{1,4}(?:\s*,?\s*\d{1,2}\s*º?\s*[A-Za-z]?\b)?)?"
)

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_MESES = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    "diciembre"
)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b")
_WORDED_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|(?i:\b\d{{1,2}}\s+de\s+(?:{_MESES})\s+(?:de|del)\s+\d{{4}}\b)"
)
_BIRTH_CUE = re.compile(
    r"(?i:\bborn\b|\bbirth|\bd\.?o\.?b\b|\bbirthday|\bnaci(?:ó|do|da|miento)\b|\bcumpleaños|"
    r"\bf\.\s?nac)"
)
_BIRTH_YEAR = re.compile(r"(?i:\b(?:born in|born|nació en|nacid[oa] en)\s+(?:\w+\s+)?\d{4}\b)")
_AGE = re.compile(
    r"(?i:\b(?:aged|age)\s+\d{1,3}\b|\b\d{1,3}[- ](?:years?|months?)[- ]old\b"
    r"|\b\d{1,3}\s+(?:años|meses)\b|\b\d{1,3}-año\b"
    r"|\b(?:was|is|turned|tenía|tiene|cumplió|cumple)\s+(?:just\s+|only\s+|solo\s+)?\d{1,2}\b"
    r"(?!\s*(?:%|per|por|minutes|minutos|hours|horas|o'clock|:|years? (?:in|of|ago))))"
)

# A place by its name, any size ("living in Rochdale", "vive en Jaén"): beside an exact age,
# it narrows a story to a few people. Only ages need it; a date of a public event does not.
_PLACE_NAMED = re.compile(rf"\b(?:in|at|from|near|en|cerca de)\s+(?:the\s+)?{CAP}")

_IDENTIFIER_SHAPE = r"[A-Z]{0,5}[-/ ]?\d[\dA-Z/-]{2,}"
_CASE_NUMBER = re.compile(
    r"(?i:\b(?:case|file|ref|reference|record|client|nhs|national insurance|ni|expediente|"
    r"exp\.|caso|historia clínica|historia|referencia|dni|nie|nif|tarjeta sanitaria|"
    r"child protection plan|cpp)\s*(?:no\.?|number|num\.?|n[º°]\.?|#|número|nº)?\s*[,:]?\s*)"
    rf"({_IDENTIFIER_SHAPE})"
    r"|\b\d{8}-?[A-HJ-NP-TV-Z]\b|\b[XYZ]-?\d{7}-?[A-Z]\b"
    r"|\b[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
    r"|\b[A-Z]{2,5}[-/]\d{2,4}[-/]\d{2,6}\b"
)

_INSTITUTION_EN = re.compile(
    rf"\b(?:St\.?\s+)?(?:{CAP}\s+){{1,4}}(?:Primary|Secondary|High|Junior|Infant|Infants|Grammar|"
    r"Nursery|Academy|College|School|Hospital|Surgery|Medical Centre|Health Centre|Care Home|"
    r"Children's Home|Youth Club|Leisure Centre|Mosque|Church|Chapel|Synagogue|Factory|"
    r"Warehouse|Depot|Bakery|Ltd|Limited|Hotel)\b(?:\s+(?:School|Academy|College))?"
)
_INSTITUTION_ES = re.compile(
    r"(?i:\b(?:colegio|instituto|ies|ceip|escuela infantil|escuela|guardería|academia|"
    r"hospital|centro de salud|residencia|parroquia|iglesia|mezquita|fábrica|empresa|"
    r"restaurante|supermercado|taller|panadería|peluquería)\s+)"
    rf"(?:(?i:de|del|la|las|los|el)\s+)*[\"“]?[{UPPER}][\w'\u2019-]*"
    rf"(?:\s+(?:(?i:de|del|la|las|los|el|y)\s+)*[{UPPER}][\w'\u2019-]*)*[\"”]?"
)
_WORKPLACE = re.compile(
    r"(?i:\b(?:works? at|worked at|working at|employed by|job at|trabaja en|trabajaba en|"
    r"trabajó en|curra en)\s+(?:the\s+|el\s+|la\s+)?)"
    rf"{CAPS}"
)
_SMALL_PLACE = re.compile(
    r"(?i:\b(?:village|hamlet|small town|estate|island|pueblo|pueblito|aldea|barrio|"
    r"urbanización|pedanía|isla|comarca|caserío)\s+(?:of\s+|called\s+|named\s+|de\s+|del\s+|"
    r"llamad[oa]\s+)?)"
    rf"{CAPS}"
    rf"|\b{CAP}(?:\s+{CAP})?\s+[Ee]state\b"
)
_COMBINATION = re.compile(
    r"(?i:\b(?:the only|the one|only|la única|el único|los únicos|las únicas)\s+"
    r"(?:[\w'\u2019-]+\s+){0,4}?"
    r"(?:family|families|woman|women|man|men|girl|boy|child|kid|person|people|mother|father|"
    r"mum|dad|couple|teenager|refugee|pupil|student|pareja|familia|mujer|hombre|niña|niño|chica|chico|persona|"
    r"madre|padre|adolescente|refugiad[oa]|alumn[oa])\b[^.!?\n]{0,50}?"
    r"\b(?:in|on|at|of|en|de|del)\s+(?:the\s+|la\s+|el\s+)?[\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+)*)"
)

_NAME_CUE = re.compile(
    r"(?i:\b(?:called|named|name is|name was|known as|se llama|se llamaba|llamad[oa]|"
    r"de nombre)\s+)"
    rf"({CAP}(?:\s+{CAP})?)"
    r"|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sr|Sra|Srta|Dña|(?i:doña|don|señora|señor))\.?\s+"
    rf"({CAP}(?:\s+{CAP})?)"
)
_RELATIVE_OF = re.compile(
    r"(?i:\b(?:madre|padre|hermano|hermana|hija|hijo|abuela|abuelo|pareja|novio|novia|tía|"
    r"tío|marido|mujer|bebé)\s+de\s+)"
    rf"({CAP})"
    rf"|\b({CAP})['\u2019]s\s+(?i:mum|mother|dad|father|brother|sister|son|daughter|baby|partner|"
    r"boyfriend|girlfriend|gran|nan|grandma|grandad|foster carer|teacher|school|carer)\b"
)
_CAPITALISED = re.compile(rf"\b{CAP}(?:\s+{CAP}){{0,2}}")
# A sentence ends at a full stop followed by a space: "01.02.2012" and "D.O.B." stay whole.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\S))+[.!?]?")


# ---------------------------------------------------------------------------------------------
# Finding


def _public(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _public_names().finditer(text)]


def _inside(start: int, end: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def _emails(text: str) -> Iterator[Span]:
    domains = service_email_domains()
    for match in _EMAIL.finditer(text):
        domain = match.group(1).lower()
        if domain in domains or any(domain.endswith("." + d) for d in domains):
            continue
        yield Span(match.start(), match.end(), EMAIL)


def _is_service(number: "phonenumbers.PhoneNumber") -> bool:
    import phonenumbers

    national = str(number.national_number).lstrip("0")
    kind = phonenumbers.number_type(number)
    organisation = {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.UAN,
    }
    return national in service_numbers() or kind in organisation


def _phones(text: str, taken: list[tuple[int, int]]) -> Iterator[Span]:
    # Imported where a story is read, not with the forms and the API that name the kinds: the
    # web process serving the public pages never needs it (issue 21, test_web_process_imports).
    import phonenumbers

    found: list[tuple[int, int]] = []
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            span = (match.start, match.end)
            if _overlaps(span, found) or _overlaps(span, taken):
                continue
            found.append(span)
            if not _is_service(match.number):
                yield Span(match.start, match.end, PHONE)
    # What the matcher does not take for a valid number but reads as one: nine digits or more.
    for digit_run in _LONG_DIGITS.finditer(text):
        span = digit_run.span()
        digits = re.sub(r"\D", "", digit_run.group())
        if len(digits) < 9 or _overlaps(span, found) or _overlaps(span, taken):
            continue
        if digits.lstrip("0") in service_numbers() or digits.startswith(("0800", "0808", "900")):
            continue
        yield Span(span[0], span[1], PHONE)


def _overlaps(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in others)


def _names(text: str, public: list[tuple[int, int]], own: frozenset[str]) -> Iterator[Span]:
    names = given_names()
    places = public_places()

    def person(start: int, end: int) -> Span | None:
        words = text[start:end].split()
        if _inside(start, end, public) or all(w.casefold() in own for w in words):
            return None
        if all(w.casefold() in places for w in words):
            return None
        return Span(start, end, NAME)

    for match in _NAME_CUE.finditer(text):
        group = 1 if match.group(1) else 2
        found = person(match.start(group), match.end(group))
        if found:
            yield found
    for match in _RELATIVE_OF.finditer(text):
        group = 1 if match.group(1) else 2
        found = person(match.start(group), match.end(group))
        if found:
            yield found
    for match in _CAPITALISED.finditer(text):
        words = match.group().split()
        # A run of capitalised words is a name when it starts with a given name: "Maria",
        # "Maria Lopez". A run that starts otherwise may hold one further on ("Then Maria").
        for index, word in enumerate(words):
            if word.strip("'\u2019") in names:
                offset = match.start() + match.group().index(
                    word, sum(len(w) for w in words[:index])
                )
                found = person(offset, match.end())
                if found:
                    yield found
                break


def _dates(text: str, context: list[Span]) -> Iterator[Span]:
    near = [(s.start, s.end) for s in context]
    for sentence in _SENTENCE.finditer(text):
        start, end = sentence.span()
        body = sentence.group()
        birth = bool(_BIRTH_CUE.search(body))
        beside = _overlaps((start, end), near)
        for match in _NUMERIC_DATE.finditer(body):
            yield Span(start + match.start(), start + match.end(), DATE)
        for match in _WORDED_DATE.finditer(body):
            if birth or beside:
                yield Span(start + match.start(), start + match.end(), DATE)
        for match in _BIRTH_YEAR.finditer(body):
            yield Span(start + match.start(), start + match.end(), DATE)
        for match in _AGE.finditer(body):
            if beside or birth or _PLACE_NAMED.search(body):
                yield Span(start + match.start(), start + match.end(), DATE)
    # "Maria, 14, ..." : an age in apposition to a name.
    for span in context:
        if span.kind != NAME:
            continue
        after = re.match(r",\s*(\d{1,2})\s*[,)]", text[span.end :])
        if after:
            yield Span(span.end + after.start(1), span.end + after.end(1), DATE)


def _spans_of(pattern: re.Pattern[str], text: str, kind: str) -> Iterator[Span]:
    for match in pattern.finditer(text):
        yield Span(match.start(), match.end(), kind)


def _places(text: str, public: list[tuple[int, int]]) -> Iterator[Span]:
    places = public_places()
    for match in _SMALL_PLACE.finditer(text):
        last = match.group().split()[-1].casefold()
        if last in places or _inside(*match.span(), public):
            continue
        yield Span(match.start(), match.end(), PLACE)


def _institutions(text: str, public: list[tuple[int, int]]) -> Iterator[Span]:
    for pattern in (_INSTITUTION_EN, _INSTITUTION_ES, _WORKPLACE):
        for match in pattern.finditer(text):
            start, end = match.span()
            # "The Hospital" at a sentence's start is not a name; "The Priory Hospital" is.
            words = match.group().split()
            if words[0] in ("The", "A", "An", "El", "La", "Los", "Las", "Un", "Una"):
                start += len(words[0]) + 1
                if len(words) < 3:
                    continue
            if _inside(start, end, public):
                continue
            yield Span(start, end, INSTITUTION)


def _merged(spans: Iterable[Span]) -> list[Span]:
    """One span per stretch of text and kind: overlapping spans of a kind become one."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.kind, s.start, -s.end)):
        last = result[-1] if result else None
        if last is not None and last.kind == span.kind and span.start < last.end:
            result[-1] = Span(last.start, max(last.end, span.end), last.kind)
        else:
            result.append(span)
    return sorted(result, key=lambda s: (s.start, s.end, s.kind))


def find_identifiers(text: str, *, author_names: Iterable[str] = ()) -> list[Span]:
    """Every span of ``text`` that could identify someone, in reading order. Words of
    ``author_names`` (the author's own name, as signed) are never flagged as a name."""
    own = frozenset(word.casefold() for name in author_names for word in name.split())
    public = _public(text)
    spans: list[Span] = []
    spans.extend(_emails(text))
    spans.extend(_spans_of(_CASE_NUMBER, text, CASE_NUMBER))
    spans.extend(_phones(text, [(s.start, s.end) for s in spans]))
    for pattern in (_UK_POSTCODE, _ES_POSTCODE, _UK_STREET, _ES_STREET):
        spans.extend(
            span
            for span in _spans_of(pattern, text, ADDRESS)
            if not _inside(span.start, span.end, public)
        )
    spans.extend(_institutions(text, public))
    spans.extend(_places(text, public))
    spans.extend(_spans_of(_COMBINATION, text, COMBINATION))
    spans.extend(_names(text, public, own))
    spans.extend(_dates(text, [s for s in spans if s.kind != EMAIL]))
    return _merged(spans)
