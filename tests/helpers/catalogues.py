"""Reading gettext catalogues in tests."""

import re
from pathlib import Path


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header; multi-line strings joined."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = bool(re.search(r"^#,.*\bfuzzy\b", block, re.M))
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if m:
                key = m.group(1).replace("[0]", "")
                fields[key] = m.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            # a msgid with a context is stored as "context\x04msgid" in the compiled catalogue
            msgid = fields["msgid"]
            if "msgctxt" in fields:
                msgid = f"{fields['msgctxt']}\x04{msgid}"
            entries.append((msgid, fields.get("msgstr", ""), fuzzy))
    return entries
