"""Forms of the plan's screens: parse and validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.funds.forms import YuanField

from .models import AttachmentKind, HomeKind, HomeStatus, ProjectStatus, StationMode

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class ProgressForm(forms.Form):
    period = forms.RegexField(
        label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7, help_text="YYYY-MM"
    )
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}))
    problems = forms.CharField(
        label=_("Problems"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    file = forms.FileField(label=_("File"))


class DoneForm(forms.Form):
    on = forms.DateField(label=_("Date"), **DATE)


class HomeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    village = forms.CharField(label=_("Village code"), max_length=12)
    kind = forms.ChoiceField(label=_("Kind"), choices=HomeKind.choices)
    approved_on = forms.DateField(label=_("Approved on"), **DATE)
    subsidy = YuanField(label=_("Subsidy (yuan)"), max_length=20)
    places = forms.IntegerField(label=_("Places"), min_value=0)


class HomeAdvanceForm(forms.Form):
    status = forms.ChoiceField(label=_("Stage"), choices=HomeStatus.choices[1:])
    on = forms.DateField(label=_("Date"), **DATE)


class ActivityForm(forms.Form):
    on = forms.DateField(label=_("Date"), **DATE)
    title = forms.CharField(label=_("Activity"), max_length=120)
    attendance = forms.IntegerField(label=_("Attendance"), min_value=0)


class PlacementForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    institution = forms.TypedChoiceField(label=_("Care institution"), coerce=int)
    on = forms.DateField(label=_("Moved in"), **DATE)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class StationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    street = forms.CharField(label=_("Street / town code"), max_length=9)
    communities = forms.CharField(
        label=_("Communities served"),
        max_length=500,
        help_text=_("Community codes, separated by spaces or commas."),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=StationMode.choices)
    services = forms.CharField(
        label=_("Services"), max_length=500, help_text=_("Separated by commas.")
    )
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=120)
    grid_code = forms.CharField(label=_("Grid code"), max_length=40, required=False)
    opened_on = forms.DateField(label=_("Opened on"), **DATE)

    @staticmethod
    def _split(raw: str) -> list[str]:
        return [
            c for c in raw.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if c
        ]

    def clean_communities(self) -> list[str]:
        return self._split(self.cleaned_data["communities"])

    def clean_services(self) -> list[str]:
        return self._split(self.cleaned_data["services"])


class EvaluationForm(forms.Form):
    beneficiaries = forms.IntegerField(label=_("Beneficiaries served"), min_value=0)
    volunteer_hours = forms.IntegerField(label=_("Volunteer hours"), min_value=0)
    score = forms.IntegerField(
        label=_("Evaluation score"), min_value=0, max_value=100, required=False
    )


class ProjectProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    spent = YuanField(label=_("Spent (yuan)"), max_length=20)
