"""``{% fixed_fragment "name" part ... %}...{% endfixed_fragment %}``: a piece of a page that
depends on nothing but the templates and the parts named (the language, whether someone is
signed in), rendered once per process and each combination of parts, then reused.

Only for text that no request, person, token or database row changes: the home page's
introduction, not a form (its CSRF token) nor anything read from the database. Kept in the
process, not the cache: nothing to invalidate, since a new release starts new processes, and
nothing to fail when Redis is out. Not kept while ``DEBUG`` is on, where templates are edited
under a running server.
"""

from collections import OrderedDict
from threading import Lock

from django import template
from django.conf import settings
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Two languages, signed in or not, a few fragments: far below this.
MOST_KEPT = 256

_kept: "OrderedDict[tuple[str, ...], SafeString]" = OrderedDict()
_lock = Lock()


class FixedFragmentNode(template.Node):
    def __init__(self, name: str, parts: list[FilterExpression], nodelist: NodeList) -> None:
        self.name = name
        self.parts = parts
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        if settings.DEBUG:
            return mark_safe(self.nodelist.render(context))  # noqa: S308  (rendered by the template engine, escaped there)
        key = (self.name, *(str(part.resolve(context)) for part in self.parts))
        with _lock:
            found = _kept.get(key)
            if found is not None:
                _kept.move_to_end(key)
                return found
        rendered = mark_safe(self.nodelist.render(context))  # noqa: S308  (as above)
        with _lock:
            _kept[key] = rendered
            while len(_kept) > MOST_KEPT:
                _kept.popitem(last=False)
        return rendered


@register.tag
def fixed_fragment(parser: Parser, token: Token) -> FixedFragmentNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes a quoted name, then the parts it depends on"
        )
    nodelist = parser.parse(("endfixed_fragment",))
    parser.delete_first_token()
    parts = [parser.compile_filter(bit) for bit in bits[2:]]
    return FixedFragmentNode(bits[1][1:-1], parts, nodelist)


def forget_fixed_fragments() -> None:
    """For tests that render the same fragment under different templates or settings."""
    with _lock:
        _kept.clear()


def kept_count() -> int:
    return len(_kept)
