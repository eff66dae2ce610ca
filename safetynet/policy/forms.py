from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ChangeKind


class ProposeForm(forms.Form):
    """Raw text fields: the service validates them against the parameter (one way to do it)."""

    name = forms.CharField(label=_("parameter"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ChangeKind.choices)
    effective = forms.CharField(label=_("effective from"), max_length=10, help_text="YYYY-MM-DD")
    value = forms.CharField(
        label=_("value"), required=False, help_text=_("money in yuan, e.g. 850 or 850.50")
    )
    reference_number = forms.CharField(label=_("document number"), max_length=200)
    reference_date = forms.CharField(
        label=_("document date"), max_length=10, help_text="YYYY-MM-DD"
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea({"rows": 2}))


class DecideForm(forms.Form):
    note = forms.CharField(label=_("note or reason"), required=False, max_length=2000)
