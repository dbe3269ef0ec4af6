"""Time of the Excel ledger import against the XLSX export of the same items.

``python -m bench.probes.importtime REPS`` (DATABASE_URL: the scratch database, it is
written to). In one process, signed in as the bench's administrator: the item export
(``REPS`` runs), then the export edited with openpyxl (every row's target date moved), then
the import of that file: the dry run and the apply, each timed, run in the process (no
Celery), as the task would run them. Prints JSON.
"""

import datetime
import io
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main(reps: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from openpyxl import load_workbook

    from bench.accounts import ADMIN
    from cooperation.imports.services import item_import_apply, item_import_check
    from cooperation.models import CooperationItem, ItemImport

    settings.CHENGYI_IMPORT_INLINE_ROWS = 10**9
    user = get_user_model().objects.get(username=ADMIN)
    client = Client()
    client.force_login(user)

    def export() -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get("/items/export.xlsx")
        content = b"".join(response.streaming_content)
        return time.perf_counter() - started, content

    export()  # warm-up
    exports = []
    for _ in range(reps):
        seconds, content = export()
        exports.append(seconds)

    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    start, target = header.index("开始日期"), header.index("目标日期")
    for row in sheet.iter_rows(min_row=2):
        base = row[target].value or row[start].value or datetime.datetime(2027, 1, 1)
        row[target].value = base + datetime.timedelta(days=30)
    edited = io.BytesIO()
    book.save(edited)
    data = edited.getvalue()

    job = ItemImport.objects.create(
        created_by=user, filename="bench.xlsx", content=data, sha256="-", rows_total=0
    )
    started = time.perf_counter()
    item_import_check(job=job)
    check = time.perf_counter() - started
    counts = job.preview["counts"]
    errors = len(job.preview["errors"])
    job.state, job.rows_total = "applying", counts["create"] + counts["update"]
    job.save()
    started = time.perf_counter()
    item_import_apply(job=job, user=user)
    apply = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": CooperationItem.objects.count(),
                "export": exports,
                "check": check,
                "apply": apply,
                "changed": counts["update"],
                "errors": errors,
                "state": job.state,
                "bytes": len(data),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
