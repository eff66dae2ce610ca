"""Forms of the web UI: input parsing only; decisions belong to services and selectors."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from safetynet.core.widgets import DateInput
from safetynet.registry.models import Category


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("ID number, name or household number"),
        required=False,
        max_length=64,
        strip=True,
    )


class ListFilterForm(forms.Form):
    """Filters of the household and person lists: a text filter (the registry's search: name
    prefix, whole ID number, household number), the current category, and the division the picker
    chose (`picker_code`, already checked against the actor's jurisdiction by the picker)."""

    q = forms.CharField(
        label=_("Name, ID number or household number"), required=False, max_length=64
    )
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, picker_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.picker_code = picker_code
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]

    def filters(self) -> dict:
        """The cleaned filters (empty ones dropped); invalid input means no filter."""
        cleaned = self.cleaned_data if self.is_valid() else {}
        out = {k: v for k, v in cleaned.items() if v}
        if self.picker_code:
            out["division"] = self.picker_code
        return out


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Household roster (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        """A zip by its first bytes (the importer checks the whole workbook); the name is
        ignored."""
        f = self.cleaned_data["file"]
        f.seek(0)
        head = f.read(4)
        f.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("Upload the roster as an .xlsx workbook."))
        return f


class ParameterFilterForm(forms.Form):
    """The parameters page: the date whose values are shown, and optionally one program."""

    on = forms.DateField(
        label=_("Values in force on"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(),
    )
    program = forms.ChoiceField(label=_("Program"), required=False)

    def __init__(self, *args, program_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("All programs")), *program_choices]


class TrialCalculationForm(forms.Form):
    """The trial calculation page: one household situation as JSON and a benefit month."""

    month = forms.RegexField(
        label=_("Benefit month"),
        regex=r"^\d{4}-\d{2}$",
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    situation = forms.CharField(
        label=_("Household situation (JSON)"),
        strip=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "mono"}),
    )


def _yuan_field(label) -> forms.DecimalField:
    """Yuan with at most two decimals (blank is zero); converted exactly to fen by `fen`."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "trial-yuan"}),
    )


def fen(value) -> int:
    """A validated yuan amount as integer fen, exactly (Decimal, never a float)."""
    from decimal import Decimal

    from safetynet.rules.money import yuan_to_fen

    return yuan_to_fen(value if value is not None else Decimal(0))


TRIAL_INCOME_FIELDS = (
    ("wage", "wage_fen", _("Wages")),
    ("business", "business_fen", _("Business")),
    ("pension", "pension_fen", _("Pension")),
    ("property", "property_fen", _("Property")),
    ("transfer", "transfer_fen", _("Transfers")),
)


class TrialHouseholdForm(forms.Form):
    """The trial calculation of one household: the month, the household's facts (assets in
    yuan); its members are a formset of TrialMemberForm (ADR 1011)."""

    month = forms.RegexField(
        label=_("Benefit month"),
        regex=r"^\d{4}-\d{2}$",
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    division_code = forms.ChoiceField(label=_("Community"))
    is_rural = forms.BooleanField(label=_("Rural household"), required=False)
    financial_assets = _yuan_field(_("Financial assets (yuan)"))
    medical_oop_12m = _yuan_field(_("Out-of-pocket medical costs, last 12 months (yuan)"))
    vehicles = forms.IntegerField(label=_("Motor vehicles"), min_value=0, initial=0)
    homes = forms.IntegerField(label=_("Homes"), min_value=0, initial=0)
    businesses = forms.IntegerField(label=_("Registered businesses"), min_value=0, initial=0)
    # one-off requests (docs/rules-situation-schema.md "requests"): labelled fields, not JSON
    temp_kind = forms.ChoiceField(
        label=_("Temporary assistance"),
        required=False,
        choices=[
            ("", _("Not requested")),
            ("emergency", _("Emergency hardship")),
            ("expenditure", _("Expenditure hardship")),
        ],
    )
    temp_requested = _yuan_field(_("Amount requested (yuan)"))
    disaster_kind = forms.ChoiceField(
        label=_("Disaster housing"),
        required=False,
        choices=[
            ("", _("Not requested")),
            ("new_build", _("Rebuilding a destroyed home")),
            ("repair", _("Repairing a damaged home")),
        ],
    )
    disaster_cost = _yuan_field(_("Building cost (yuan)"))

    def __init__(self, *args, division_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = list(division_choices)

    def situation_household(self) -> dict:
        c = self.cleaned_data
        return {
            "division_code": c["division_code"],
            "is_rural": c["is_rural"],
            "financial_assets_fen": fen(c.get("financial_assets")),
            "medical_oop_12m_fen": fen(c.get("medical_oop_12m")),
            "vehicles": c["vehicles"],
            "homes": c["homes"],
            "businesses": c["businesses"],
        }

    def situation_requests(self) -> dict:
        """The one-off requests the form asks for (amounts in fen), {} when none."""
        c = self.cleaned_data
        out = {}
        if c.get("temp_kind"):
            out["temporary_assistance"] = {
                "kind": c["temp_kind"],
                "requested_fen": fen(c.get("temp_requested")),
            }
        if c.get("disaster_kind"):
            out["disaster_housing"] = {
                "kind": c["disaster_kind"],
                "cost_fen": fen(c.get("disaster_cost")),
            }
        return out


class TrialMemberForm(forms.Form):
    """One member of the trial household: by name, with monthly incomes in yuan."""

    person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=64)
    relation = forms.ChoiceField(label=_("Relation to head"))
    sex = forms.ChoiceField(label=_("Sex"))
    # ISO in the input whatever the locale: a browser rejects 1938/03/05 in a date input
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    registered = forms.BooleanField(label=_("Registered in the city"), required=False, initial=True)
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"), required=False, coerce=int, empty_value=None
    )
    disability_kind = forms.ChoiceField(label=_("Disability kind"), required=False)
    selfcare_failed_items = forms.IntegerField(
        label=_("Self-care items failed (0–6)"), min_value=0, max_value=6, initial=0
    )
    has_capable_supporter = forms.BooleanField(
        label=_("Has a supporter able to support them"), required=False, initial=True
    )
    wage = _yuan_field(_("Wages"))
    business = _yuan_field(_("Business"))
    pension = _yuan_field(_("Pension"))
    property = _yuan_field(_("Property"))
    transfer = _yuan_field(_("Transfers"))

    def __init__(self, *args, **kwargs):
        from safetynet.core import labels

        super().__init__(*args, **kwargs)
        # a blank first choice: an untouched extra row is left out, not an error
        self.fields["relation"].choices = [("", "—"), *labels.choices("relation")]
        self.fields["sex"].choices = [("", "—"), *labels.choices("sex")]
        self.fields["disability_kind"].choices = [("", "—"), *labels.choices("disability")]
        grades = [(str(g), _("grade %(n)s") % {"n": g}) for g in (1, 2, 3, 4)]
        self.fields["disability_grade"].choices = [("", "—"), *grades]

    def situation_member(self) -> dict:
        c = self.cleaned_data
        out = {k: c.get(k) for k in ("person_id", "name", "relation", "sex", "birth_date")}
        out.update(
            registered=c["registered"],
            disability_grade=c.get("disability_grade"),
            disability_kind=c.get("disability_kind") or "",
            selfcare_failed_items=c.get("selfcare_failed_items") or 0,
            has_capable_supporter=c["has_capable_supporter"],
        )
        for form_name, key, _label in TRIAL_INCOME_FIELDS:
            out[key] = fen(c.get(form_name))
        return out


# Members are added and removed on the page (web/trial-members.js clones the empty form and
# ticks a row's DELETE box and hides it); without the script a blank row and the DELETE box.
TrialMemberFormSet = forms.formset_factory(
    TrialMemberForm,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class BankResultForm(forms.Form):
    """A bank's result file of a reimbursement file (the hospitals', the funeral homes')."""

    file = forms.FileField(
        label=_("Bank result file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
