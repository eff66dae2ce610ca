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
