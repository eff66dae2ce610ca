"""Forms of the plan's screens: parse and validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.funds.forms import YuanField

from .models import AttachmentKind, HomeKind, HomeStatus

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
