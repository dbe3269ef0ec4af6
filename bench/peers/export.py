"""Our benchmark dataset as Redmine sees it: one JSON document for ``redmine_load.rb``.

Every item becomes an issue (same title, description, category, status, progress, dates,
parent) with its code, health and both leads as custom fields; every status update becomes a
journal (its narrative, risks and next steps as the notes; status, health and progress changes
as the journal's details), so an issue has as many journals as the item has status updates.
"""

import hashlib
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import translation

from cooperation.choices import Category, Health, Status
from cooperation.models import CooperationItem, StatusUpdate

CLOSED = {Status.COMPLETED, Status.CANCELLED}
START = {"status": Status.NOT_STARTED, "health": Health.ON_TRACK, "progress": 0}


def _labels(choices) -> list[dict]:
    return [{"key": value, "name": str(label)} for value, label in choices.choices]


def _notes(update) -> str:
    parts = [update.narrative, update.risks and f"风险：{update.risks}",
             update.next_steps and f"下一步：{update.next_steps}"]  # fmt: skip
    return "\n\n".join(p for p in parts if p)


def _journals(updates) -> list[dict]:
    state, journals = dict(START), []
    for update in updates:
        details = [
            [field, state[field], getattr(update, field)]
            for field in ("status", "health", "progress")
            if state[field] != getattr(update, field)
        ]
        state.update({f: getattr(update, f) for f in START})
        journals.append({
            "user": update.author_id, "at": update.reported_at.isoformat(),
            "notes": _notes(update), "details": details,
        })  # fmt: skip
    return journals


def export(path: Path, *, description: dict) -> dict:
    """Write the document to ``path``; returns its counts and fingerprint."""
    with translation.override("zh-hans"):
        statuses, categories, healths = _labels(Status), _labels(Category), _labels(Health)
    updates: dict[int, list] = {}
    for update in StatusUpdate.objects.only(
        "item_id", "author_id", "status", "health", "progress", "narrative", "risks",
        "next_steps", "reported_at",
    ).order_by("item_id", "reported_at", "pk").iterator(chunk_size=5000):  # fmt: skip
        updates.setdefault(update.item_id, []).append(update)
    items, authors = [], set()
    rows = CooperationItem.objects.select_related("chengdu_lead", "yibin_lead").order_by("pk")
    for item in rows.iterator(chunk_size=2000):
        journals = _journals(updates.get(item.pk, []))
        authors.update(j["user"] for j in journals)
        author = journals[0]["user"] if journals else None
        items.append({
            "id": item.pk, "code": item.code, "subject": item.title_zh[:255],
            "description": item.description_zh, "category": item.category,
            "status": item.status, "closed": item.status in CLOSED, "health": item.health,
            "progress": item.progress, "parent": item.parent_id,
            "chengdu": item.chengdu_lead.name_zh if item.chengdu_lead else "",
            "yibin": item.yibin_lead.name_zh if item.yibin_lead else "",
            "start": item.start_date.isoformat() if item.start_date else None,
            "due": item.target_date.isoformat() if item.target_date else None,
            "created": item.created_at.isoformat(), "author": author, "journals": journals,
        })  # fmt: skip
    users = [
        {"id": u.pk, "login": u.username[:60], "first": u.first_name[:30] or u.username[:30],
         "last": u.last_name[:255] or "-", "mail": u.email}
        for u in get_user_model().objects.filter(pk__in=authors).order_by("pk")
    ]  # fmt: skip
    fingerprint = hashlib.sha256(
        json.dumps([description, len(items), sum(len(i["journals"]) for i in items)],
                   sort_keys=True, default=str).encode()
    ).hexdigest()[:16]  # fmt: skip
    document = {
        "fingerprint": fingerprint, "statuses": statuses, "categories": categories,
        "healths": healths, "users": users, "items": items,
    }  # fmt: skip
    path.write_text(json.dumps(document, ensure_ascii=False))
    return {
        "fingerprint": fingerprint,
        "items": len(items),
        "journals": sum(len(i["journals"]) for i in items),
    }
