"""Translator aid: fill zh_Hans msgstr from TSV files (msgid<TAB>msgstr), en with msgid.

Run after `make makemessages`: python scripts/po_fill.py new-strings.tsv
Prints the zh_Hans msgids still untranslated.
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "cooperation" / "locale"


def main() -> int:
    table = {}
    for path in sys.argv[1:]:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                table[msgid] = msgstr
    zh = polib.pofile(str(LOCALE / "zh_Hans/LC_MESSAGES/django.po"))
    missing = []
    for entry in zh:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not (entry.msgstr or entry.msgstr_plural.get(0)) or "fuzzy" in entry.flags:
            missing.append(entry.msgid)
    zh.save()
    en = polib.pofile(str(LOCALE / "en/LC_MESSAGES/django.po"))
    for entry in en:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr or "fuzzy" in entry.flags:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    en.save()
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
