"""Demo articles with their discussion, one in English and one in Spanish, written for
Casework: the demo practitioner (invited to write) and the admin tell a story each, with the
details changed; Robin replies under her alias, and the moderator publishes the comments held
as first posts (the demo accounts are new). Idempotent: once there are articles, nothing is
added. Run after ``seed_people``."""

from casework.accounts.models import User
from casework.community.models import Article, Comment
from casework.community.services.articles import invite_contributor, save_article
from casework.community.services.comments import moderate_comment, post_comment
from casework.demo.people import (
    DEMO_ADMIN_EMAIL,
    DEMO_CLIENT_EMAIL,
    DEMO_MODERATOR_EMAIL,
    DEMO_PRACTITIONER_EMAIL,
)

LISTENING = """\
Early in my career I visited a family every week for three months and thought I was helping.
I arrived with a plan, a checklist and a pen. The mother answered every question politely.

One afternoon the bus was late and I arrived without my folder. We sat in the kitchen and,
for the first time, I asked what *she* wanted to talk about. It was not on my checklist.

> The plan was mine. The life was hers.

What changed after that:

- I ask before I write anything down.
- I leave the first ten minutes of a visit without an agenda.
- I tell people what I will do with what they say.

The details of this story are changed: it is a composite of several families.
"""

ESCUCHAR = """\
Hace unos años acompañé a una familia que había pasado por cuatro servicios distintos en dos
años. Cada servicio le pedía contar su historia desde el principio.

Decidimos hacer algo sencillo: un único resumen, escrito *con* ella, que ella misma decidía a
quién enseñar. Tardamos tres sesiones en escribirlo.

- Ella eligió qué contar y qué no.
- Cada profesional nuevo empezaba leyendo, no preguntando.
- Nadie volvió a pedirle que repitiera lo peor.

Los detalles están cambiados: es una mezcla de varias historias.
"""


def _article(author: User, title: str, summary: str, body: str, tags: list[str]) -> Article:
    existing = Article.objects.filter(title=title).first()
    if existing is not None:
        return existing
    return save_article(
        author=author,
        title=title,
        summary=summary,
        body=body,
        tags=tags,
        publish=True,
        anonymous_comments=True,
    )


def _publish(comment: Comment, moderator: User) -> Comment:
    if comment.status == Comment.Status.HELD:
        return moderate_comment(comment=comment, moderator=moderator, publish=True)
    return comment


def seed_community() -> list[Article]:
    practitioner = User.objects.filter(email=DEMO_PRACTITIONER_EMAIL).first()
    client = User.objects.filter(email=DEMO_CLIENT_EMAIL).first()
    moderator = User.objects.filter(email=DEMO_MODERATOR_EMAIL).first()
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    if practitioner is None or client is None or moderator is None or admin is None:
        return []
    if Article.objects.exists():
        return list(Article.objects.all())
    invite_contributor(admin=admin, practitioner=practitioner)
    listening = _article(
        practitioner,
        "The week I forgot my folder",
        "What a late bus taught me about whose plan a care plan is.",
        LISTENING,
        ["practice", "listening"],
    )
    escuchar = _article(
        admin,
        "Contar la historia una sola vez",
        "Un resumen escrito con la familia, para que nadie tenga que repetir lo peor.",
        ESCUCHAR,
        ["práctica", "coordinación"],
    )
    top = _publish(
        post_comment(
            article=listening,
            author=client,
            body="Being asked what I wanted to talk about was when things changed for me too.",
        ),
        moderator,
    )
    _publish(
        post_comment(
            article=listening,
            author=practitioner,
            body="Thank you for saying so. It is the question I wish I had learnt first.",
            parent=top,
        ),
        moderator,
    )
    _publish(
        post_comment(
            article=escuchar,
            author=client,
            body="Tener que repetirlo todo cansa muchísimo. Ojalá se hiciera siempre así.",
        ),
        moderator,
    )
    return [listening, escuchar]
