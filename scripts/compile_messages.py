"""Compile every .po catalogue to .mo in pure Python (no GNU gettext needed on the machine)."""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    catalogues = sorted(ROOT.glob("cooperation/locale/*/LC_MESSAGES/*.po"))
    for po_path in catalogues:
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}: {catalogue.percent_translated()}% translated")
    return 0 if catalogues else 1


if __name__ == "__main__":
    sys.exit(main())
