"""Forms of the verification pages: they parse input (yuan to fen, dates); the services decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safetynet.core.uploads import FileRefused, scan_type
from safetynet.core.widgets import DateInput
from safetynet.rules.money import yuan_to_fen

from .models import FindingKind, Program, Purpose, TaskOutcome, TaskStatus
from .report import INCOME_ITEMS
from .sources.catalog import SOURCES

INCOME_LABELS = {
    "wage_fen": _("Wages"),
    "business_fen": _("Business"),
    "pension_fen": _("Pension"),
    "property_fen": _("Property"),
    "transfer_fen": _("Transfers"),
}


def _yuan_field(label, required=False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "vf-yuan"}),
    )


def fen(value: Decimal | None) -> int:
    """A validated yuan field (blank means zero) as exact integer fen."""
    return yuan_to_fen(value or Decimal(0))


class RequestOpenForm(forms.Form):
    """Open a request: purpose, program, month, the signed authorization, and what the family
    declared (monthly income per member and kind, in yuan; the household's assets)."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    program = forms.ChoiceField(label=_("Program"), choices=Program.choices)
    month = forms.RegexField(
        label=_("Benefit month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text=_("YYYY-MM"),
        widget=forms.TextInput(attrs={"placeholder": "2020-06", "size": 8}),
    )
    authorization_scan = forms.FileField(
        label=_("Signed authorization (scan)"),
        required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    signed_by = forms.TypedChoiceField(label=_("Signed by"), coerce=int, choices=())
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    financial_assets = _yuan_field(_("Financial assets (yuan)"))
    vehicles = forms.IntegerField(label=_("Vehicles"), min_value=0, initial=0, required=False)
    homes = forms.IntegerField(label=_("Homes"), min_value=0, initial=0, required=False)
    businesses = forms.IntegerField(
        label=_("Registered businesses"), min_value=0, initial=0, required=False
    )
    medical_oop = _yuan_field(_("Out-of-pocket medical costs, last 12 months (yuan)"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["signed_by"].choices = [(m.person_id, m.person.name) for m in members]
        today = timezone.localdate()
        self.fields["month"].initial = f"{today:%Y-%m}"
        self.fields["signed_on"].initial = today
        for m in members:
            for kind in INCOME_ITEMS:
                self.fields[f"income_{m.person_id}_{kind}"] = _yuan_field(
                    f"{m.person.name} {INCOME_LABELS[kind]}"
                )

    def clean_authorization_scan(self):
        """The scan's type by its content (the service checks it again): a clear form error for
        an .html, .svg or anything else, whatever its name."""
        scan = self.cleaned_data.get("authorization_scan")
        if scan:
            try:
                scan_type(scan)
            except FileRefused as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return scan

    def member_rows(self):
        return [
            (m, [self[f"income_{m.person_id}_{kind}"] for kind in INCOME_ITEMS])
            for m in self.members
        ]

    def income_labels(self):
        return [INCOME_LABELS[k] for k in INCOME_ITEMS]

    def declared_income(self) -> dict[int, dict[str, int]]:
        d = self.cleaned_data
        return {
            m.person_id: {
                kind: fen(d.get(f"income_{m.person_id}_{kind}"))
                for kind in INCOME_ITEMS
                if d.get(f"income_{m.person_id}_{kind}")
            }
            for m in self.members
        }

    def declared_assets(self) -> dict[str, int]:
        d = self.cleaned_data
        return {
            "financial_assets_fen": fen(d.get("financial_assets")),
            "vehicles": d.get("vehicles") or 0,
            "homes": d.get("homes") or 0,
            "businesses": d.get("businesses") or 0,
            "medical_oop_12m_fen": fen(d.get("medical_oop")),
        }


class ResponseFileForm(forms.Form):
    response_file = forms.FileField(label=_("Response file (.xlsx)"))


class ReportBuildForm(forms.Form):
    allow_missing = forms.BooleanField(
        label=_("Issue the report although some sources have not answered"), required=False
    )


class RecheckForm(forms.Form):
    objection = forms.CharField(
        label=_("The family's objection"), widget=forms.Textarea(attrs={"rows": 3})
    )
    sources = forms.MultipleChoiceField(
        label=_("Disputed sources"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(code, s.name_zh) for code, s in SOURCES.items()],
    )


class CoverageForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput())

    def clean_as_of(self) -> dt.date | None:
        as_of = self.cleaned_data.get("as_of")
        if as_of and as_of.year < 1900:  # twelve months back must still be a date
            raise forms.ValidationError(_("Choose a date from 1900 on."))
        return as_of

    def as_of_or_today(self) -> dt.date:
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class ReviewTaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *TaskStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Finding"), required=False, choices=[("", "—"), *FindingKind.choices]
    )

    def filters(self) -> dict[str, str | None]:
        if not self.is_valid():
            return {"status": None, "kind": None}
        return {k: self.cleaned_data.get(k) or None for k in ("status", "kind")}


class ReviewTaskCloseForm(forms.Form):
    """Close a review task: the outcome and what the review found (the service requires both)."""

    outcome_code = forms.ChoiceField(
        label=_("Outcome"), choices=TaskOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What the review found"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FindingsImportForm(forms.Form):
    """A batch output directory named relative to settings.BATCH_DIR: the page can read nothing
    else on the server."""

    directory = forms.CharField(
        label=_("Batch output directory (under the batch folder)"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60, "placeholder": "2020-06"}),
    )

    def clean_directory(self) -> Path:
        root = Path(settings.BATCH_DIR).resolve()
        path = (root / self.cleaned_data["directory"].strip()).resolve()
        if not path.is_relative_to(root):
            raise forms.ValidationError(
                _("Only directories under %(root)s can be imported.") % {"root": root}
            )
        return path
