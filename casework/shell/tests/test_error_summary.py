"""A form that comes back with problems lists them at its top, each field's linked to its
input, and focus starts there (``autofocus``, which needs no JavaScript)."""

from django import forms
from django.template.loader import render_to_string


class _Referral(forms.Form):
    reason = forms.CharField(label="Reason")
    urgency = forms.ChoiceField(
        label="Urgency", choices=[("low", "Low"), ("high", "High")], widget=forms.RadioSelect
    )
    case = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("Referrals are closed today.")


def _summary(page: str) -> str:
    start = page.index('<div class="form-errors error-summary"')
    return page[start : page.index("</div>", start)]


def test_a_failed_form_lists_every_problem_at_its_top_and_takes_focus() -> None:
    form = _Referral({"case": "x"})
    for template in ("shell/form_fields.html", "care/fields.html"):
        page = render_to_string(template, {"form": form})
        summary = _summary(page)
        assert 'role="alert" tabindex="-1" autofocus' in summary
        assert page.index("error-summary") < page.index('name="reason"')
        assert "Referrals are closed today." in summary
        assert '<a href="#id_reason">Reason: This field is required.</a>' in summary
        # A choice of radio buttons is reached through its first button.
        assert '<a href="#id_urgency_0">Urgency: This field is required.</a>' in summary
        assert "Enter a whole number." in summary  # the hidden field's, without a link


def test_a_form_without_problems_has_no_summary() -> None:
    page = render_to_string("shell/form_fields.html", {"form": _Referral()})
    assert "error-summary" not in page
    assert "autofocus" not in page


def test_the_directory_says_what_is_wrong_with_a_search_in_its_results_only() -> None:
    page = render_to_string(
        "shell/form_fields.html", {"form": _Referral({}), "without_summary": True}
    )
    assert "error-summary" not in page
