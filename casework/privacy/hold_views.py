"""Legal holds for the people who place them: moderators, regulator officers, administrators.
One page lists the holds one may lift and places a new one; lifting is a POST of its own."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from casework.accounts.models import User
from casework.accounts.permissions import role_required
from casework.care.models import Case
from casework.privacy import access, holds
from casework.shell.confirmations import Danger, ask_first

HOLDS_PER_PAGE = 50


class HoldForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("The person's email address"),
        required=False,
        help_text=gettext_lazy("Holds everything of theirs, every case they are part of."),
    )
    case = forms.UUIDField(
        label=gettext_lazy("Or a case's reference"),
        required=False,
        help_text=gettext_lazy("Holds that case's records only."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why the records must be kept"),
        max_length=holds.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The person reads this if they ask to erase their account."),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("email"):
            person = User.objects.filter(email__iexact=cleaned["email"]).first()
            if person is None:
                self.add_error("email", _("Nobody on Casework has this address."))
            cleaned["person"] = person
        if cleaned.get("case"):
            found = Case.objects.filter(pk=cleaned["case"]).first()
            if found is None:
                self.add_error("case", _("No case has this reference."))
            cleaned["case_row"] = found
        return cleaned


def _holder(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (role_required ran)
    return request.user


@role_required(*holds.HOLDERS)
@require_http_methods(["GET", "HEAD", "POST"])
def hold_list(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    form = HoldForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                holds.place_legal_hold(
                    actor=holder,
                    person=form.cleaned_data.get("person"),
                    case=form.cleaned_data.get("case_row"),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, _("The hold is placed."))
                return redirect("privacy:holds")
    in_force = access.holds_for(holder).filter(lifted_at__isnull=True).order_by("-placed_at", "-pk")
    page = Paginator(in_force, HOLDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return TemplateResponse(request, "privacy/holds.html", context, status=status)


@role_required(*holds.HOLDERS)
@require_POST
def lift_hold(request: HttpRequest, hold_id: str) -> HttpResponse:
    holder = _holder(request)
    found = access.get_hold_for_holder(holder, hold_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Lift this legal hold?"),
            consequences=[
                _(
                    "What it kept follows the ordinary rules again: it is erased or removed "
                    "when they say so."
                ),
                _("What is erased after that cannot be brought back, even by a new hold."),
            ],
            confirm=_("Lift the hold"),
            back_url=reverse("privacy:holds"),
        ),
    )
    if asking is not None:
        return asking
    holds.lift_legal_hold(hold=found, actor=holder)
    messages.success(request, _("The hold is lifted: the ordinary rules apply again."))
    return redirect("privacy:holds")
