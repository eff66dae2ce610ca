"""Forms of the funds screens: parse and validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.rules.catalog import PROGRAM_CODES, name_zh

from .models import EntryKind, Level


def _program_choices():
    return [(c, name_zh(c)) for c in PROGRAM_CODES]


def yuan_to_fen(value) -> int:
    """'12.34' → 1234, exactly (at most two decimals)."""
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise forms.ValidationError(_("Enter an amount in yuan, e.g. 1234.56.")) from None
    if d <= 0 or d.as_tuple().exponent < -2 or not d.is_finite():
        raise forms.ValidationError(_("Enter a positive amount with at most two decimals."))
    return int(d * 100)


class YuanField(forms.CharField):
    def clean(self, value):
        return yuan_to_fen(super().clean(value))


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    program = forms.ChoiceField(label=_("Program"), choices=_program_choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    district = forms.ChoiceField(label=_("District"), required=False)
    amount = YuanField(label=_("Amount (yuan)"), max_length=20)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "—"), *districts]


class IncomeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("lottery", _("Lottery public-welfare money")), ("donation", _("Donation"))],
    )
    on = forms.DateField(label=_("Date"))
    amount = YuanField(label=_("Amount (yuan)"), max_length=20)
    payer = forms.CharField(label=_("From"), max_length=120)
    receipt = forms.CharField(label=_("Receipt number"), max_length=60)
    memo = forms.CharField(label=_("Memo"), max_length=200, required=False)


class TaFundForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class StatementForm(forms.Form):
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7)
    district = forms.ChoiceField(label=_("District"))

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = list(districts)


class JournalFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *EntryKind.choices], required=False
    )
    month = forms.RegexField(
        label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7, required=False
    )
