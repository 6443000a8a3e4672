"""Addresses a credential names that answer with a document: the vocabulary of its terms, and
the DID document at did:web's address for a site served below a path."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from casework.registry.credentials.addresses import site_has_path
from casework.registry.credentials.did import DID_JSON_MEDIA_TYPE, build_did_document
from casework.registry.credentials.status_list import STATUS_LIST_TTL_SECONDS
from casework.registry.credentials.vocabulary import JSON_LD_MEDIA_TYPE, vocabulary_document


def _public(response: HttpResponse) -> HttpResponse:
    """Cacheable by anyone as long as a status list, readable from any origin."""
    patch_cache_control(response, public=True, max_age=STATUS_LIST_TTL_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_safe
def vocabulary(request: HttpRequest) -> HttpResponse:
    body = json.dumps(vocabulary_document(), indent=2, ensure_ascii=False)
    return _public(HttpResponse(body, content_type=f"{JSON_LD_MEDIA_TYPE}; charset=utf-8"))


@login_not_required
@require_safe
def did_document_at_path(request: HttpRequest) -> HttpResponse:
    if not site_has_path():
        raise Http404
    body = json.dumps(build_did_document(), indent=2)
    return _public(HttpResponse(body, content_type=DID_JSON_MEDIA_TYPE))
