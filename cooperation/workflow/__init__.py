"""The supervision loop: 交办 → 签收 → 填报 → 审核 / 退回 → 办结报告 → 双方确认 → 销号.

rules.py        who may acknowledge, review, confirm (one place, as permissions.py)
notify.py       the one function that tells a person something (in-app, or the outbox)
assignments.py  交办 / 签收: acknowledgement rows per item and lead, and their reminders
reviews.py      审核 / 退回 of status reports
completion.py   办结 / 销号: completion requests confirmed by the other side
evidence.py     佐证材料: upload checks and storage
comments.py     comments with @mentions
digest.py       催办: the daily digest and what a person has to do
preferences.py  per-person notification preferences
"""
