from django.urls import path

from casework.registry.credentials import documents, holder, openid4vci, views

app_name = "credentials"

urlpatterns = [
    path(".well-known/did.json", views.did_document, name="did_document"),
    path("credentials/status/<slug:list_id>/", views.status_list, name="status_list"),
    path("verify/credential/", views.verify_credential, name="verify"),
    # did:web's address for a site below a path (did.py); 404 for a site at its host's root.
    path("did.json", documents.did_document_at_path, name="did_document_at_path"),
    path("credentials/vocab", documents.vocabulary, name="vocabulary"),
    # The holder's own credential, from their registrations page (holder.py).
    path(
        "practice/registrations/<id:claim_id>/credential.jwt",
        holder.download_credential,
        name="download",
    ),
    path(
        "practice/registrations/<id:claim_id>/credential/wallet/",
        holder.offer_to_wallet,
        name="wallet_offer",
    ),
    # OpenID for Verifiable Credential Issuance 1.0 (openid4vci.py).
    path(
        ".well-known/openid-credential-issuer",
        openid4vci.issuer_metadata_view,
        name="oid4vci_issuer_metadata",
    ),
    path(
        ".well-known/oauth-authorization-server",
        openid4vci.authorization_server_metadata_view,
        name="oid4vci_authorization_server_metadata",
    ),
    path("credentials/oid4vci/token", openid4vci.token_endpoint, name="oid4vci_token"),
    path(
        "credentials/oid4vci/credential",
        openid4vci.credential_endpoint,
        name="oid4vci_credential",
    ),
]
