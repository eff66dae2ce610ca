"""Forms of the disaster screens: parse and validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


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
