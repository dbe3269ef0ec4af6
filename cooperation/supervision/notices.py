"""What a slip says: its reason in words, and the outbox message that announces it."""

from django.utils.translation import gettext as _

from cooperation.models.supervision import SlipCause, SupervisionSlip


def reason_text(slip: SupervisionSlip) -> str:
    """The slip's reason in the active language, from its cause and the facts it recorded."""
    facts = slip.facts or {}
    item = slip.item
    if slip.cause == SlipCause.DEADLINE_NEAR:
        text = _("The target date or a milestone of %(item)s falls within the next few working "
                 "days (target date %(date)s).")  # fmt: skip
        text %= {"item": item.code, "date": facts.get("target_date") or "—"}
    elif slip.cause == SlipCause.BEHIND_SCHEDULE:
        text = _("%(item)s is behind its time-elapsed line: progress %(progress)s%% against "
                 "%(line)s%% of the time between its start and target dates.")  # fmt: skip
        text %= {"item": item.code, "progress": facts.get("progress", "—"),
                 "line": facts.get("line", "—")}  # fmt: skip
    elif slip.cause == SlipCause.REPORT_RETURNED_TWICE:
        text = _("%(count)s status reports on %(item)s were returned since the last accepted one.")
        text %= {"item": item.code, "count": facts.get("returned", 2)}
    elif slip.cause == SlipCause.ACKNOWLEDGEMENT_MISSED:
        text = _("%(org)s has not acknowledged %(item)s; it was due on %(date)s.")
        text %= {"item": item.code, "org": facts.get("organization", "—"),
                 "date": facts.get("due_date", "—")}  # fmt: skip
    else:
        text = _("%(item)s is overdue: its target date or a milestone's due date has passed.")
        text %= {"item": item.code}
    if facts.get("escalated_from"):
        text += " " + _("Escalated from %(number)s, which was not answered in time.") % {
            "number": facts["escalated_from"]
        }
    return text


def slips_of(reminders) -> dict[int, SupervisionSlip]:
    """The slips that ``reminders`` announce, with their items and addressees, by id: what a
    dispatch batch looks up once instead of twice per notice and language."""
    ids = {reminder.context.get("slip") for reminder in reminders}
    slips = SupervisionSlip.objects.select_related("item").prefetch_related("addressed_to")
    return {slip.pk: slip for slip in slips.filter(pk__in=ids - {None})}


def slip_message(reminder, now, *, slips: dict[int, SupervisionSlip] | None = None):
    """The outbox composer of ``ReminderKind.SUPERVISION_SLIP`` (called by meetings.messages);
    ``slips``: the batch's slips (``slips_of``), looked up here without it."""
    from cooperation.meetings.messages import Message, NotRelevant, object_url

    if slips is None:
        slips = slips_of([reminder])
    slip = slips.get(reminder.context.get("slip"))
    if slip is None or not slip.is_open:
        raise NotRelevant("The slip was closed before its notice went out.")
    values = {"number": slip.number, "colour": slip.get_colour_display(), "item": slip.item}
    return Message(
        subject=_("%(colour)s %(number)s: %(item)s") % values,
        lead=reason_text(slip),
        action_url=object_url(slip),
        action_label=_("Open the slip and give feedback"),
        facts=[
            (_("Number"), slip.number),
            (_("Colour"), str(slip.get_colour_display())),
            (_("Addressed to"), "、".join(o.short_name for o in slip.addressed_to.all())),
            (_("Feedback due"), str(slip.feedback_due)),
        ],
    )
