"""Verifiable credentials for verified registrations: W3C VC 2.0 secured as JWTs (VC-JOSE-COSE)
with EdDSA (Ed25519), issued by the platform's did:web DID, with revocation and suspension
published as Bitstring Status List credentials."""
