"""Forms of the case screens and of the API's transitions: they parse input (dates, yuan to fen,
lists of staff); the services decide. One form per action, shared by the page and the API."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from safetynet.core.widgets import DateInput, MultipleFileField, MultipleFileInput  # noqa: F401
from safetynet.rules.money import yuan_to_fen
from safetynet.verification.forms import INCOME_LABELS
from safetynet.verification.report import INCOME_ITEMS

from .models import CaseProgram, CaseStatus


def _yuan(label, required=False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


def fen(value: Decimal | None) -> int:
    return yuan_to_fen(value or Decimal(0))


# --------------------------------------------------------------------------- workbench
class WorkbenchFilterForm(forms.Form):
    program = forms.ChoiceField(
        label=_("Program"), required=False, choices=[("", _("All programs")), *CaseProgram.choices]
    )
    step = forms.ChoiceField(
        label=_("Step"),
        required=False,
        choices=[("", _("All open steps")), *CaseStatus.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Only cases I accepted or proposed"), required=False)
    q = forms.CharField(
        label=_("Case number, household number or applicant"), required=False, max_length=64
    )


class QueueFilterForm(forms.Form):
    """The approval queue's filters: the category (program) and the text (ADR 1030)."""

    program = forms.ChoiceField(
        label=_("Program"), required=False, choices=[("", _("All programs")), *CaseProgram.choices]
    )
    q = forms.CharField(
        label=_("Case number, household number or applicant"), required=False, max_length=64
    )


# --------------------------------------------------------------------------- actions
class EmptyForm(forms.Form):
    """An action without input (start the investigation, close the notice, refer)."""


class HomeVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    staff_1 = forms.TypedChoiceField(label=_("First staff member"), coerce=int, choices=())
    staff_2 = forms.TypedChoiceField(label=_("Second staff member"), coerce=int, choices=())
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photos"), help_text=_("JPEG or PNG, at most 10 MB each."))

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if staff_choices:
            self.fields["staff_1"].choices = staff_choices
            self.fields["staff_2"].choices = staff_choices
        else:  # the API: any user id (the service checks it is staff of the office)
            self.fields["staff_1"] = forms.IntegerField(label=_("First staff member"))
            self.fields["staff_2"] = forms.IntegerField(label=_("Second staff member"))


class ProposeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ObjectionForm(forms.Form):
    raised_by = forms.CharField(
        label=_("Raised by (may stay anonymous)"), required=False, max_length=100
    )
    raised_on = forms.DateField(label=_("Raised on"), required=False, widget=DateInput())
    content = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionAnswerForm(forms.Form):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.BooleanField(label=_("The objection is upheld"), required=False)


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefuseForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Left empty for an ineligible proposal: the proposal's reasons are used."),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def clean_reasons(self):
        value = self.cleaned_data.get("reasons") or ""
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        return [line.strip() for line in str(value).splitlines() if line.strip()]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# --------------------------------------------------------------------------- application
class HouseholdPickForm(forms.Form):
    household_number = forms.CharField(label=_("Household number"), max_length=40)


class ApplicationForm(forms.Form):
    """An application: the program, the household (existing: `members` given; or new), what the
    family declared, the signed authorization and the documents."""

    program = forms.ChoiceField(label=_("Program"), choices=CaseProgram.choices)
    authorization_scan = forms.FileField(
        label=_("Signed authorization (scan)"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB. It opens the verification request."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    financial_assets = _yuan(_("Financial assets (yuan)"))
    vehicles = forms.IntegerField(label=_("Vehicles"), min_value=0, initial=0, required=False)
    homes = forms.IntegerField(label=_("Homes"), min_value=0, initial=0, required=False)
    businesses = forms.IntegerField(
        label=_("Registered businesses"), min_value=0, initial=0, required=False
    )
    documents = MultipleFileField(
        label=_("Documents"), help_text=_("Certificates, bills…: PDF, JPEG or PNG.")
    )

    NEW_MEMBERS = 4

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        if members is not None:
            self.fields["applicant"] = forms.TypedChoiceField(
                label=_("Applicant"),
                coerce=int,
                choices=[(m.person_id, m.person.name) for m in members],
            )
            for m in members:
                for kind in INCOME_ITEMS:
                    self.fields[f"income_{m.person_id}_{kind}"] = _yuan(
                        f"{m.person.name} {INCOME_LABELS[kind]}"
                    )
        else:
            self.fields["division"] = forms.CharField(
                label=_("Community (division code)"), max_length=12
            )
            self.fields["address"] = forms.CharField(label=_("Address"), required=False)
            self.fields["is_rural"] = forms.BooleanField(label=_("Rural household"), required=False)
            relations = [
                ("head", _("Head")),
                ("spouse", _("Spouse")),
                ("child", _("Child")),
                ("parent", _("Parent")),
                ("other", _("Other")),
            ]
            for i in range(self.NEW_MEMBERS):
                first = i == 0
                self.fields[f"m{i}_relation"] = forms.ChoiceField(
                    label=_("Relation"),
                    choices=relations[:1] if first else relations[1:],
                    required=first,
                )
                self.fields[f"m{i}_name"] = forms.CharField(
                    label=_("Name"), max_length=50, required=first
                )
                self.fields[f"m{i}_id_number"] = forms.CharField(
                    label=_("ID number"), max_length=18, required=first
                )
                self.fields[f"m{i}_wage"] = _yuan(_("Monthly income (yuan)"))

    def member_rows(self):
        if self.members is not None:
            return [
                (m, [self[f"income_{m.person_id}_{k}"] for k in INCOME_ITEMS]) for m in self.members
            ]
        return [
            [self[f"m{i}_{f}"] for f in ("relation", "name", "id_number", "wage")]
            for i in range(self.NEW_MEMBERS)
        ]

    def income_labels(self):
        return [INCOME_LABELS[k] for k in INCOME_ITEMS]

    def declared_assets(self) -> dict[str, int]:
        d = self.cleaned_data
        return {
            "financial_assets_fen": fen(d.get("financial_assets")),
            "vehicles": d.get("vehicles") or 0,
            "homes": d.get("homes") or 0,
            "businesses": d.get("businesses") or 0,
        }

    def declared_income(self) -> dict:
        d = self.cleaned_data
        if self.members is not None:
            return {
                m.person_id: {
                    k: fen(d.get(f"income_{m.person_id}_{k}"))
                    for k in INCOME_ITEMS
                    if d.get(f"income_{m.person_id}_{k}")
                }
                for m in self.members
            }
        return {
            d[f"m{i}_id_number"].strip().upper(): {"wage_fen": fen(d.get(f"m{i}_wage"))}
            for i in range(self.NEW_MEMBERS)
            if d.get(f"m{i}_id_number") and d.get(f"m{i}_wage")
        }

    def new_household(self) -> dict | None:
        if self.members is not None:
            return None
        d = self.cleaned_data
        members = [
            {
                "relation": d[f"m{i}_relation"],
                "name": d[f"m{i}_name"].strip(),
                "id_number": d[f"m{i}_id_number"].strip().upper(),
            }
            for i in range(self.NEW_MEMBERS)
            if d.get(f"m{i}_id_number")
        ]
        return {
            "division": d["division"].strip(),
            "address": d.get("address", ""),
            "is_rural": d.get("is_rural", False),
            "members": members,
        }

    def signed_by(self) -> int | str:
        """The signer of the authorization: the applicant (a person id, or the new head's ID
        number); the verification service checks they are a living member."""
        d = self.cleaned_data
        if self.members is not None:
            return d["applicant"]
        return d["m0_id_number"].strip().upper()
