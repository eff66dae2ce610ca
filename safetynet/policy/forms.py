from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ChangeKind


class ProposeForm(forms.Form):
    """Raw text fields: the service validates them against the parameter (one way to do it)."""

    name = forms.CharField(label=_("parameter"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ChangeKind.choices)
    effective = forms.CharField(label=_("effective from"), max_length=10, help_text="YYYY-MM-DD")
    value = forms.CharField(
        label=_("value"),
        required=False,
        help_text=_(
            "in the parameter's unit, shown beside its name: money in yuan (850 or 850.50, at "
            "most two decimals), rates in per cent (3.5 for 3.5%), multiples as a number (1.5)"
        ),
        widget=forms.TextInput({"inputmode": "decimal"}),
    )
    reference_number = forms.CharField(label=_("document number"), max_length=200)
    reference_date = forms.CharField(
        label=_("document date"), max_length=10, help_text="YYYY-MM-DD"
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["list"] = "parameter-names"

    @staticmethod
    def parameter_units() -> list[tuple[str, str, str]]:
        """(name, Chinese name, input unit label) of every parameter, for the name's datalist:
        the unit is shown as the name is chosen (ADR 1433)."""
        from safetynet.core.labels import label, parameter_input_unit
        from safetynet.rules.parameters import load_shipped

        shipped = load_shipped()
        out = []
        for name in shipped.names():
            p = shipped.get(name)
            unit = parameter_input_unit(name, p.unit)
            out.append((name, str(label("parameter", name)), str(INPUT_UNITS.get(unit, ""))))
        return out

    def clean(self):
        """Screen units to the parameter's: a rate typed in per cent gets its % (converted
        exactly by the rules); money stays a yuan text (converted exactly to fen, a third
        decimal refused, by the service)."""
        data = super().clean()
        from safetynet.core.labels import parameter_input_unit
        from safetynet.rules.parameters import load_shipped

        name, value = (data.get("name") or "").strip(), (data.get("value") or "").strip()
        shipped = load_shipped()
        if name in shipped and value:
            unit = parameter_input_unit(name, shipped.get(name).unit)
            if unit == "percent" and not value.endswith(("%", "％")):
                data["value"] = f"{value}%"
        return data


INPUT_UNITS = {
    "yuan": _("yuan"),
    "percent": _("per cent (%)"),
    "times": _("times"),
    "count": _("number"),
    "bool": _("true or false"),
    "fen_table": _("table in yuan (JSON)"),
    "ratio_table": _("table of ratios (JSON)"),
    "list": _("list (comma-separated)"),
    "code": _("code"),
}


class DecideForm(forms.Form):
    note = forms.CharField(label=_("note or reason"), required=False, max_length=2000)


# --- price indices and the audit trail (ADR 1430, 1432) --------------------------------------


class IndexForm(forms.Form):
    """One month's index as published (text: the service converts it exactly)."""

    month = forms.CharField(label=_("month"), max_length=10, help_text="YYYY-MM")
    kind = forms.ChoiceField(label=_("index"), choices=())
    value = forms.CharField(
        label=_("index (same month last year = 100)"), max_length=10, help_text=_("e.g. 102.8")
    )
    cumulative = forms.CharField(
        label=_("cumulative index (same period last year = 100)"),
        max_length=10,
        required=False,
        help_text=_("optional; December's is the year's rise"),
    )
    source = forms.CharField(label=_("source"), max_length=300)

    def __init__(self, *args, **kwargs):
        from .models import IndexKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = IndexKind.choices


class IndexUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel or CSV file"))


class AuditFilterForm(forms.Form):
    area = forms.ChoiceField(
        label=_("area"),
        required=False,
        choices=[
            ("", _("all")),
            ("parameter", _("Parameter changes")),
            ("index", _("Price indices")),
        ],
    )
    event = forms.ChoiceField(label=_("event"), required=False, choices=())
    user = forms.CharField(label=_("user"), required=False, max_length=150)
    text = forms.CharField(label=_("parameter, month or reference"), required=False, max_length=100)
    since = forms.DateField(label=_("from"), required=False, help_text="YYYY-MM-DD")
    until = forms.DateField(label=_("to"), required=False, help_text="YYYY-MM-DD")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", _("all")), *AUDIT_EVENTS]


AUDIT_EVENTS = [
    ("proposed", _("Proposed")),
    ("approved", _("Approved")),
    ("rejected", _("Rejected")),
    ("entered", _("Entered")),
    ("corrected", _("Corrected")),
    ("imported", _("Imported")),
]
