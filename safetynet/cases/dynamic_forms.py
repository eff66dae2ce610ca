"""Forms of the no-application lists, reviews, emergency aid and grievances (pages and API):
they parse input (yuan to fen, dates, the exclusions); the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.core.widgets import DateInput

from .dynamic_models import GrievanceKind, ReviewOutcome
from .emergency import FORMALITIES
from .forms import _yuan, fen
from .models import ENROLMENT_CATEGORY

FORMALITY_LABELS = {
    "application": _("Application signed by the family"),
    "authorization": _("Verification authorization"),
    "identity": _("Identity documents and household register"),
    "hardship_proof": _("Proof of the hardship"),
    "home_visit": _("Home-visit record"),
}

# a list entry's change and the timeline events of the lists and reviews
DYNAMIC_LABELS = {
    "new": _("new"),
    "tier": _("new tier"),
    "death": _("death"),
    "month": _("this month"),
    "list_confirmed": _("List confirmed"),
    "review_opened": _("Review opened"),
    "review_decided": _("Review decided"),
}


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("Month (YYYY-MM)"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )


class ListConfirmForm(forms.Form):
    """One step: every entry is confirmed except those ticked, each with its reason."""

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for e in self.entries:
            self.fields[f"exclude_{e.person_id}"] = forms.BooleanField(
                label=_("Exclude"), required=False
            )
            self.fields[f"reason_{e.person_id}"] = forms.CharField(
                label=_("Reason"), required=False, max_length=500
            )

    def clean(self):
        d = super().clean()
        for e in self.entries:
            if (
                d.get(f"exclude_{e.person_id}")
                and not (d.get(f"reason_{e.person_id}") or "").strip()
            ):
                self.add_error(f"reason_{e.person_id}", _("Give the reason of the exclusion."))
        return d

    def excluded(self) -> dict[int, str]:
        d = self.cleaned_data
        return {
            e.person_id: d[f"reason_{e.person_id}"].strip()
            for e in self.entries
            if d.get(f"exclude_{e.person_id}")
        }

    def rows(self):
        return [
            (e, self[f"exclude_{e.person_id}"], self[f"reason_{e.person_id}"]) for e in self.entries
        ]


class ReviewDecideForm(forms.Form):
    """The decision of a review; for an adjustment or a gradual exit, the members' monthly
    income (yuan) the rules engine computes on."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewOutcome.choices)
    reason = forms.CharField(
        label=_("Reason (required to stop or for a gradual exit)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    financial_assets = _yuan(_("Financial assets (yuan)"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for m in self.members:
            self.fields[f"wage_{m.person_id}"] = _yuan(
                _("%(name)s: monthly income (yuan)") % {"name": m.person.name}
            )

    def declared_income(self) -> dict:
        d = self.cleaned_data
        return {
            m.person_id: {"wage_fen": fen(d.get(f"wage_{m.person_id}"))}
            for m in self.members
            if d.get(f"wage_{m.person_id}") is not None
        }

    def declared_assets(self) -> dict:
        return {"financial_assets_fen": fen(self.cleaned_data.get("financial_assets"))}


class ReviewOpenForm(forms.Form):
    """A change the family reported: the review opens at once."""

    program = forms.ChoiceField(
        label=_("Program"),
        choices=[(c, c) for c in ENROLMENT_CATEGORY],
    )
    reported_change = forms.CharField(
        label=_("Change reported by the family"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from safetynet.rules.catalog import name_zh

        self.fields["program"].choices = [(c, name_zh(c)) for c in ENROLMENT_CATEGORY]


class EmergencyForm(forms.Form):
    amount = _yuan(_("Amount (yuan)"), required=True)
    hardship = forms.CharField(
        label=_("Hardship (what happened)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def amount_fen(self) -> int:
        return fen(self.cleaned_data["amount"])


class FormalityForm(forms.Form):
    item = forms.ChoiceField(
        label=_("Formality"), choices=[(i, FORMALITY_LABELS[i]) for i in FORMALITIES]
    )


class GrievanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GrievanceKind.choices)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}))
    lodged_by = forms.CharField(label=_("Lodged by"), required=False, max_length=100)
    lodged_on = forms.DateField(label=_("Lodged on"), required=False, widget=DateInput())


class GrievanceAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.BooleanField(label=_("The family is found right (upheld)"), required=False)
