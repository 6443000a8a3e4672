"""Requests to pay outside the platform or to move to personal channels (PRODUCT C7).

These are the classic first steps of fraud and of boundary violations in online practice: "pay me
with gift cards", "let's continue on WhatsApp". A match *flags* the message for moderators; it is
still delivered, because the same words also appear in honest messages ("can I pay by bank
transfer?"). Patterns are matched on a normalised copy of the text (case-folded, accents kept,
runs of spaces joined). Measured against the labelled set in ``tests/labelled_messages.toml``.
"""

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from casework.safety.crisis import service_numbers
from casework.safety.screening import Finding

if TYPE_CHECKING:
    from casework.accounts.models import User

OFF_PLATFORM_PAYMENT = "off_platform_payment"
PERSONAL_CHANNEL = "personal_channel"

_PAYMENT_PATTERNS = [
    # Gift and prepaid cards, the scammer's favourite untraceable payment.
    r"\bgift ?cards?\b",
    r"\b(?:itunes|apple|google ?play|steam|amazon|ebay|vanilla|razer gold)\s+"
    r"(?:gift\s+)?(?:cards?|vouchers?|codes?)\b",
    r"\bprepaid (?:cards?|vouchers?)\b",
    r"\b(?:paysafecard|neosurf)\b",
    r"\btarjetas? (?:de )?regalo\b",
    # Cryptocurrency.
    r"\b(?:bitcoins?|btc|ethereum|eth|usdt|tether|litecoin|dogecoin|monero)\b",
    r"\bcrypto(?:currenc(?:y|ies)|s)?\b",
    r"\bcriptomonedas?\b",
    r"\b(?:wallet|billetera) (?:address|addr|dirección)\b",
    r"\b(?:bc1|[13])[a-hj-np-z0-9]{25,39}\b",
    r"\b0x[0-9a-f]{40}\b",
    # Wire and bank transfers.
    r"\bwire (?:transfer|the money|me)\b",
    r"\bwire\b.{0,30}\b(?:money|payment|fee|funds)\b",
    r"\bbank transfer\b",
    r"\btransferencia(?: bancaria)?\b",
    r"\b(?:western union|moneygram|ria money)\b",
    r"\b(?:iban|swift|bic code|sort code|routing number)\b",
    r"\b(?:my|your) (?:bank )?account (?:number|details)\b",
    # Payment apps.
    r"\b(?:paypal|venmo|cash ?app|zelle|revolut|bizum|mpesa|m-pesa|wechat pay|alipay|payoneer)\b",
    # Paying around the platform, whatever the means.
    r"\bpay (?:me )?(?:directly|privately|in cash|cash|outside|off the (?:platform|site|app))\b",
    r"\b(?:outside|off) (?:the |of )?(?:casework|platform|site|app)\b.{0,40}\bpa(?:y|id|yment)\b",
    r"\bpa(?:y|id|yment)\b.{0,40}\b(?:outside|off) (?:the |of )?(?:casework|platform|site|app)\b",
    r"\b(?:págame|pagarme|pago) (?:directamente|en efectivo|por fuera)\b",
]

_CHANNEL_PATTERNS = [
    # Messaging apps and social networks.
    r"\b(?:whats ?app|telegram|snapchat|snap ?chat|wechat|viber|kik|line app|wickr|threema)\b",
    r"\b(?:on|via|use|download|through|en|por) signal\b",
    r"\bsignal (?:app|me|messenger)\b",
    r"\b(?:instagram|insta|facebook|fb|messenger|tiktok|twitter|discord|skype|linkedin)\b",
    r"\b(?:dm|pm|inbox) me\b",
    r"\badd me (?:on|at)\b",
    r"\bagr[eé]game\b",
    # Private phone numbers and addresses.
    r"\b(?:call|text|ring|phone|message|sms|email|e-mail|contact|reach) me "
    r"(?:on|at|directly|privately|personally)\b",
    r"\b(?:my|mi) (?:private|personal|own|home|mobile|cell|work)? ?"
    r"(?:phone|number|mobile|cell|email|e-mail|address|tel[eé]fono|n[uú]mero|correo)\b"
    r"(?: (?:is|es)\b|:)",
    r"\b(?:my|mi) (?:private|personal) "
    r"(?:phone|number|mobile|cell|email|e-mail|address|tel[eé]fono|n[uú]mero|correo)\b",
    r"\b(?:llámame|escríbeme) (?:al|a mi)\b",
    r"\b(?:let'?s|we (?:can|could|should)) (?:talk|chat|continue|move|speak|message)\b.{0,40}"
    r"\b(?:elsewhere|privately|outside|off (?:the )?(?:platform|site|app)|somewhere else)\b",
    r"\b(?:continue|move|take) (?:this|our chat|the conversation|it) "
    r"(?:elsewhere|outside|off (?:the )?(?:platform|site|app)|somewhere else|private)\b",
    r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}",
]

# A phone number: 9 or more digits, optionally starting with +, with spaces, dots, dashes or
# brackets between groups. Shorter numbers (116 123, 988) are service numbers, not personal ones.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{7,}\d(?!\w)")


@cache
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _has_personal_phone_number(text: str) -> bool:
    # Crisis lines from the safety data: sharing those is care, not a risk.
    service = service_numbers()
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= 9 and digits not in service:
            return True
    return False


def off_platform_requests(*, sender: "User", conversation: Any, text: str) -> Sequence[Finding]:
    normalised = _normalise(text)
    findings = []
    if _compiled(tuple(_PAYMENT_PATTERNS)).search(normalised):
        findings.append(
            Finding(
                OFF_PLATFORM_PAYMENT,
                "flag",
                _(
                    "Mentions paying outside Casework (gift cards, crypto, transfers or "
                    "payment apps)."
                ),
            )
        )
    if _compiled(tuple(_CHANNEL_PATTERNS)).search(normalised) or _has_personal_phone_number(
        normalised
    ):
        findings.append(
            Finding(
                PERSONAL_CHANNEL,
                "flag",
                _("Suggests moving to a personal channel (phone, email, messaging apps)."),
            )
        )
    return findings
