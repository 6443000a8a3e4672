"""Forms of the community: an article, a comment, a moderator's decision.

Both writing forms carry the confidentiality guard's question: when the guard found something,
the page shows it highlighted with ``kinds`` (the kinds found) hidden in the form, and the
author either changes the text or ticks ``confirm`` to post anyway.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.community.guard.identifiers import KINDS
from casework.community.models import SUMMARY_MAX, TITLE_MAX

KIND_CHOICES = [(kind, kind) for kind in KINDS]


class GuardedForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have checked every highlighted part: none of it could identify a client. Post "
            "anyway."
        ),
        required=False,
    )
    kinds = forms.MultipleChoiceField(
        choices=KIND_CHOICES, required=False, widget=forms.MultipleHiddenInput
    )

    def confirmed_kinds(self) -> list[str]:
        if not self.cleaned_data.get("confirm"):
            return []
        kinds: list[str] = self.cleaned_data.get("kinds") or []
        return kinds


class ArticleForm(GuardedForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        help_text=_("One or two sentences, shown in the list and the feed."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("Text"),
        help_text=_(
            "Markdown: *emphasis*, **strong**, lists, > quotes and links. Change names, places "
            "and details so that no client can be recognised."
        ),
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Up to 8, separated by commas: child-protection, burnout"),
    )
    cover = forms.FileField(label=_("Cover image"), required=False)
    cover_alt = forms.CharField(
        label=_("Describe the cover image"),
        required=False,
        max_length=200,
        help_text=_("For people who cannot see it. Needed with a cover image."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    anonymous_comments = forms.BooleanField(
        label=_("Allow anonymous comments (each waits for a moderator)"), required=False
    )
    publish = forms.BooleanField(
        label=_("Published (unticked: a draft only you can see)"), required=False
    )

    field_order = [
        "title",
        "summary",
        "body",
        "tags",
        "cover",
        "cover_alt",
        "remove_cover",
        "anonymous_comments",
        "publish",
        "confirm",
        "kinds",
    ]

    def tag_list(self) -> list[str]:
        raw: str = self.cleaned_data.get("tags") or ""
        return [tag for tag in raw.split(",") if tag.strip()]


class CommentForm(GuardedForm):
    # No length limit here: the service says how long a comment may be, and by how much
    # this one is over.
    body = forms.CharField(
        label=_("Your comment"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Plain text. Never name a client or anything that could point to one: the guard "
            "checks before it is posted."
        ),
    )
    notify_replies = forms.BooleanField(
        label=_("Email me when someone replies (you can stop it from any email)"), required=False
    )

    field_order = ["body", "notify_replies", "confirm", "kinds"]

    def __init__(self, *args: Any, signed_in: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not signed_in:
            del self.fields["notify_replies"]


class EditCommentForm(GuardedForm):
    body = forms.CharField(label=_("Your comment"), strip=False, widget=forms.Textarea)

    field_order = ["body", "confirm", "kinds"]


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("publish", _("Publish")), ("hide", _("Hide"))], widget=forms.RadioSelect
    )
