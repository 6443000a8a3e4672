"""The Atom feed of published articles: title, summary and link (the text stays on the site,
where the guard and the moderators look after it)."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from casework.community.access import published_articles

FEED_SIZE = 20


def atom_feed(request: HttpRequest) -> HttpResponse:
    feed = Atom1Feed(
        title=_("Casework community"),
        link=request.build_absolute_uri(reverse("community:articles")),
        description=_("Stories and discussion from social workers, without exposing a client."),
        language=getattr(request, "LANGUAGE_CODE", "en"),
        feed_url=request.build_absolute_uri(reverse("community:feed")),
    )
    for article in published_articles().order_by("-published_at", "-pk")[:FEED_SIZE]:
        url = request.build_absolute_uri(article.get_absolute_url())
        feed.add_item(
            title=article.title,
            link=url,
            description=article.summary,
            unique_id=url,
            pubdate=article.published_at,
            updateddate=article.updated_at,
            author_name=article.author.display_name,
            categories=article.tags,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response
