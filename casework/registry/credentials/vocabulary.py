"""The vocabulary our credentials' own terms expand to, served at <site>/credentials/vocab.

A credential carries its JSON-LD context inline (``issuance.credential_context``), mapping each
of our terms to <site>/credentials/vocab#<term>. Those IRIs are addresses, and following one
gives this document: a JSON-LD context document with the very same term definitions (so it can
also be used as a remote context: JSON-LD 1.1, section 3.1, "the value of @context ... of the
referenced document"), and in its ``@graph`` each term defined in RDF Schema, in words.
"""

from typing import Any

from casework.registry.credentials.addresses import public_url
from casework.registry.credentials.issuance import credential_context, vocabulary

JSON_LD_MEDIA_TYPE = "application/ld+json"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

# Term -> (RDF Schema kind, label, definition). English only: this is a vocabulary for
# software and specification readers, like the W3C's own.
TERMS: dict[str, tuple[str, str, str]] = {
    "SocialWorkRegistrationCredential": (
        f"{RDFS}Class",
        "Social work registration credential",
        "A credential stating that a social worker showed Casework that a registration with a "
        "statutory regulator is theirs, and what the register said about it when it was issued.",
    ),
    "registrationNumber": (
        f"{RDF}Property",
        "Registration number",
        "The number under which the regulator's register lists the person.",
    ),
    "registrationStatus": (
        f"{RDF}Property",
        "Registration status",
        "The register's status for the registration when the credential was issued: "
        "registered, conditions (registered with conditions), suspended, lapsed or removed. "
        "The credential's status list entries say whether it was suspended or revoked since.",
    ),
    "regulator": (
        f"{RDF}Property",
        "Regulator",
        "The body that keeps the statutory register: its website as the id, and its name.",
    ),
    "jurisdiction": (
        f"{RDF}Property",
        "Jurisdiction",
        "Where the regulator's register applies, as an ISO 3166-1 country code or an "
        "ISO 3166-2 subdivision code.",
    ),
}


def vocabulary_document() -> dict[str, Any]:
    base = vocabulary()
    return {
        "@context": credential_context(),
        "@graph": [
            {
                "@id": f"{base}{term}",
                "@type": kind,
                f"{RDFS}label": {"@value": label, "@language": "en"},
                f"{RDFS}comment": {"@value": comment, "@language": "en"},
                f"{RDFS}isDefinedBy": {"@id": public_url("credentials:vocabulary")},
            }
            for term, (kind, label, comment) in TERMS.items()
        ],
    }
