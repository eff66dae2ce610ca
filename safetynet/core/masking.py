"""Masking of personal numbers shown in lists, reports and PDFs (ADR 0002, 0722, 1022).

One rule for every number: the leading part that names a place or an institution stays, the
middle is starred, the last four stay (enough to tell two records apart when talking to the
person). ID numbers: `registry.ids.mask_id_number` (region + 8 stars + last four); bank accounts:
`mask_account_number` (bank prefix + stars + last four). `mask_field` applies the right one to a
record field by its name, so that a spouse's ID number or an account inside a source's records
is masked like the person's own.
"""

from safetynet.registry.ids import mask_id_number


def mask_account_number(number: str | None) -> str:
    """`6222021234567890123` -> `6222***********0123`: the first four (the bank) and the last
    four; a number of eight characters or fewer is all stars."""
    number = (number or "").replace(" ", "")
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_field(name: str, value):
    """A record field's value as lists show it: ID numbers and account numbers masked."""
    if not isinstance(value, str) or not value:
        return value
    if name == "id_number" or name.endswith("_id_number"):
        return mask_id_number(value.upper())
    if name == "account_number" or name.endswith("_account_number") or name == "account":
        return mask_account_number(value)
    return value
