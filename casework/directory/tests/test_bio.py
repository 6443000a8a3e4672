from html.parser import HTMLParser

import pytest

from casework.directory.bio import ALLOWED_TAGS, bio_text, render_bio


class Elements(HTMLParser):
    """The tags and attributes of a fragment, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def test_markdown_renders_to_the_small_allowed_subset() -> None:
    html = render_bio("Hello *there*, **friend**.\n\n- one\n- two\n\n> quoted\n\n1. first")
    assert "<em>there</em>" in html
    assert "<strong>friend</strong>" in html
    assert "<ul>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<ol>" in html


def test_links_get_nofollow_noopener() -> None:
    html = render_bio("[my site](https://example.org)")
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow noopener"' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "![pic](https://example.org/x.png)",
        "# Heading\n\n```\ncode\n```",
        '<iframe src="https://example.org"></iframe>',
    ],
)
def test_markup_and_dangerous_links_never_reach_the_page(source: str) -> None:
    for tag, attrs in elements(render_bio(source)):
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert (tag, name) in {("a", "href"), ("a", "rel")}
            assert not (value or "").lower().startswith("javascript")


def test_raw_html_is_shown_as_text() -> None:
    assert "&lt;b&gt;bold&lt;/b&gt;" in render_bio("<b>bold</b> text")


def test_bio_text_is_the_words_only() -> None:
    assert bio_text(render_bio("I *work* with [people](https://example.org) & families")) == (
        "I work with people & families"
    )
