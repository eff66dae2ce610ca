"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """An `<input type="date">`, whose value must be ISO (`2026-12-01`) whatever the language:
    Django's default would render the locale's first input format (zh-hans: `2026/12/01`), which
    the browser rejects, leaving a required date empty and the form unsendable."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")
