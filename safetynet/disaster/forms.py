"""Forms of the disaster screens: parse and validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.cases.forms import ApplicationForm
from safetynet.core.widgets import MultipleFileField
from safetynet.funds.forms import YuanField

from .models import Damage, EventKind, Stage


class EventForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    divisions = forms.CharField(
        label=_("Affected divisions"),
        max_length=500,
        help_text=_("Division codes, separated by spaces or commas."),
    )

    def clean_divisions(self) -> list[str]:
        raw = self.cleaned_data["divisions"].replace(",", " ").replace("，", " ")
        return [c for c in raw.split() if c]


class AffectedForm(forms.Form):
    household_number = forms.CharField(label=_("Household number"), max_length=32)
    damage = forms.ChoiceField(label=_("Damage"), choices=Damage.choices)
    loss = YuanField(label=_("Estimated loss (yuan)"), max_length=20)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = MultipleFileField(label=_("Photos"), required=False)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    photo = forms.FileField(label=_("Photo"), required=False)


class AidForm(forms.Form):
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-\d{2}$", max_length=7)
    persons = forms.IntegerField(label=_("Persons"), min_value=1, max_value=99)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=31)


class ShelterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    division = forms.CharField(label=_("Division code"), max_length=12)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100_000)


class CheckInForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    on = forms.DateField(label=_("Checked in"), widget=forms.DateInput(attrs={"type": "date"}))


class CheckOutForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Checked out"), widget=forms.DateInput(attrs={"type": "date"}))


class HousingGrantForm(ApplicationForm):
    """The housing grant's application from the household page: the casework's application
    (applicant, declared income and assets, signed authorization) with the solution and the
    assessed cost; no program to choose, documents optional."""

    solution = forms.ChoiceField(
        label=_("Solution"), choices=[("new_build", _("Rebuild")), ("repair", _("Repair"))]
    )
    cost = YuanField(label=_("Assessed cost (yuan)"), max_length=20)

    field_order = ["solution", "cost"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["program"]
        self.fields["documents"].required = False
