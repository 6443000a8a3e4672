"""A practitioner's short bio: Markdown in, a small safe subset of HTML out."""

import html
from functools import cache
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

BIO_MAX_CHARS = 3000


@cache
def _markdown() -> "MarkdownIt":
    """CommonMark with raw HTML off: what a practitioner types as HTML is shown as text."""
    # Imported when a bio is first rendered (on saving a profile or an article): the forms and
    # pages that only need BIO_MAX_CHARS leave markdown-it's 60 modules unloaded.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).disable("image")


ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "a", "br", "blockquote"}


def render_bio(source: str) -> str:
    """Markdown -> HTML limited to paragraphs, emphasis, lists, quotes and links. The
    sanitiser runs last, so a gap in the Markdown step cannot let markup through."""
    rendered = _markdown().render(source)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        strip_comments=True,
    ).strip()


def bio_text(bio_html: str) -> str:
    """The words of a rendered bio, for the search document."""
    return " ".join(html.unescape(nh3.clean(bio_html, tags=set())).split())
