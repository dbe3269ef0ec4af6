"""The consultation calendar at /meetings/: every signed-in user reads, supervisors change."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cooperation.choices import MeetingState
from cooperation.meetings import calendar, changes, decisions, selectors
from cooperation.meetings.forms import (
    DecisionForm,
    MeetingCancelForm,
    MeetingCreateForm,
    MeetingDetailsForm,
    MeetingListFilterForm,
    MeetingRescheduleForm,
    MinutesForm,
    apply_errors,
)
from cooperation.meetings.notifications import calendar_token_renew as renew_token
from cooperation.meetings.notifications import profile_for
from cooperation.meetings.workdays import is_working_day
from cooperation.models import Meeting, Profile
from cooperation.permissions import is_supervisor, log_denied
from cooperation.submissions import (
    ALREADY_SAVED,
    TOKEN_FIELD,
    AlreadySubmitted,
    submit_once,
    without_token,
)


def _require_supervisor(request, what: str) -> None:
    if not is_supervisor(request.user):
        log_denied(request, what)
        raise PermissionDenied(_("Only supervisors can change meetings."))


def _meeting(pk: int) -> Meeting:
    try:
        return selectors.meeting_get(pk)
    except Meeting.DoesNotExist as exc:
        raise Http404(_("No such meeting.")) from exc


def _warn_non_working_day(request, starts_at) -> None:
    working, _guessed = is_working_day(timezone.localdate(starts_at))
    if not working:
        messages.warning(request, _("Note: that day is a weekend or public holiday in China."))


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The feed is a signed-in download in all but name: its token is the credential.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def meeting_list(request):
    mechanism_id = MeetingListFilterForm(request.GET).mechanism_id()
    profile = profile_for(request.user)
    feed_url = request.build_absolute_uri(
        reverse("cooperation:calendar_feed", args=[profile.calendar_token])
    )
    context = {
        "groups": selectors.meeting_list(mechanism_id=mechanism_id),
        "all_mechanisms": selectors.mechanisms(),
        "mechanism_id": mechanism_id,
        "can_change": is_supervisor(request.user),
        "feed_url": feed_url,
    }
    return render(request, "cooperation/meeting_list.html", context)


@require_GET
def meeting_detail(request, pk: int):
    meeting = _meeting(pk)
    can_change = is_supervisor(request.user)
    context = {
        "meeting": meeting,
        "participants": selectors.meeting_participants(meeting),
        "reminder_lines": selectors.meeting_reminder_lines(meeting, show_errors=can_change),
        "reminders_to_come": selectors.meeting_reminder_schedule(meeting),
        "followup_items": list(meeting.followup_items.order_by("code")),
        "can_change": can_change,
        "is_open": meeting.state in (MeetingState.PLANNED, MeetingState.CONFIRMED),
        "has_started": meeting.starts_at <= timezone.now(),
    }
    if can_change:
        context["cancel_form"] = MeetingCancelForm()
    return render(request, "cooperation/meeting_detail.html", context)


def _form_page(request, template, form, meeting=None, **extra):
    form.mark_invalid()
    return render(request, template, {"form": form, "meeting": meeting, **extra})


def _supervisor_form(request, form, *, save, success, meeting=None, warn_day=False, **page):
    """The supervisors' form pages: on a valid POST, ``save(cleaned_data)`` calls the service
    and returns the meeting to go back to; a ValidationError it raises lands on the form,
    which is shown again with nothing saved. ``success`` may be a function of that result.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = submit_once(
                token=form.cleaned_data.get(TOKEN_FIELD),
                user=request.user,
                kind=request.resolver_match.url_name,
                action=lambda: save(without_token(form.cleaned_data)),
            )
        except AlreadySubmitted as done:
            messages.info(request, ALREADY_SAVED)
            return redirect(done.url or meeting or "cooperation:meeting_list")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            if warn_day:
                _warn_non_working_day(request, result.starts_at)
            return redirect(meeting or result)
    return _form_page(request, "cooperation/meeting_form.html", form, meeting, **page)


def meeting_create(request):
    _require_supervisor(request, "meeting_create")
    form = MeetingCreateForm(request.POST or None)
    return _supervisor_form(
        request,
        form,
        save=lambda data: changes.meeting_create(
            mechanism=data["mechanism"],
            starts_at=form.starts_at(),
            host_city=data["host_city"],
            location=data["location"],
            agenda=data["agenda"],
            user=request.user,
        ),
        success=_("The meeting is created; participants are reminded."),
        warn_day=True,
        title=_("New meeting"),
        button=_("Create"),
    )


def meeting_edit(request, pk: int):
    _require_supervisor(request, "meeting_edit")
    meeting = _meeting(pk)
    initial = {"location": meeting.location, "agenda": meeting.agenda}
    return _supervisor_form(
        request,
        MeetingDetailsForm(request.POST or None, initial=initial),
        save=lambda data: changes.meeting_details_update(
            meeting=meeting, user=request.user, **data
        ),
        success=_("Agenda and place saved."),
        meeting=meeting,
        title=_("Agenda and place"),
    )


@require_POST
def meeting_confirm(request, pk: int):
    _require_supervisor(request, "meeting_confirm")
    meeting = _meeting(pk)
    try:
        changes.meeting_confirm(meeting=meeting, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The meeting is confirmed; planning will not move it."))
    return redirect(meeting)


def meeting_reschedule(request, pk: int):
    _require_supervisor(request, "meeting_reschedule")
    meeting = _meeting(pk)
    local = timezone.localtime(meeting.starts_at)
    initial = {"date": local.date(), "time": local.time(), "location": meeting.location}
    form = MeetingRescheduleForm(request.POST or None, initial=initial)
    return _supervisor_form(
        request,
        form,
        save=lambda data: changes.meeting_reschedule(
            meeting=meeting,
            starts_at=form.starts_at(),
            location=data["location"],
            user=request.user,
        ),
        success=_("The meeting is rescheduled; those already reminded are told."),
        warn_day=True,
        meeting=meeting,
        title=_("Reschedule"),
        button=_("Reschedule"),
    )


def meeting_cancel(request, pk: int):
    _require_supervisor(request, "meeting_cancel")
    meeting = _meeting(pk)
    return _supervisor_form(
        request,
        MeetingCancelForm(request.POST or None),
        save=lambda data: changes.meeting_cancel(
            meeting=meeting, user=request.user, reason=data["reason"]
        ),
        success=_("The meeting is cancelled; those already reminded are told."),
        meeting=meeting,
        title=_("Cancel the meeting"),
        button=_("Cancel the meeting"),
        button_class="btn-danger",
    )


def meeting_minutes(request, pk: int):
    _require_supervisor(request, "meeting_minutes")
    meeting = _meeting(pk)
    initial = {"minutes": meeting.minutes, "decisions": meeting.decisions}
    return _supervisor_form(
        request,
        MinutesForm(request.POST or None, initial=initial),
        save=lambda data: changes.meeting_minutes_record(
            meeting=meeting, user=request.user, **data
        ),
        success=_("Minutes saved; the meeting is marked as held."),
        meeting=meeting,
        title=_("Minutes and decisions"),
    )


def meeting_decision(request, pk: int):
    _require_supervisor(request, "meeting_decision")
    meeting = _meeting(pk)
    return _supervisor_form(
        request,
        DecisionForm(request.POST or None),
        save=lambda data: decisions.meeting_decision_item_create(
            meeting=meeting, user=request.user, **data
        ),
        success=lambda item: _("Follow-up item %(code)s is created.") % {"code": item.code},
        meeting=meeting,
        title=_("Decision to follow up"),
        button=_("Create the follow-up item"),
    )


@require_GET
def meeting_ics(request, pk: int):
    meeting = _meeting(pk)
    return _ics_response(calendar.meeting_ics(meeting), f"meeting-{meeting.pk}.ics")


@require_GET
def calendar_feed(request, token: str):
    """The personal feed; the secret token in the address is the only credential."""
    profile = (
        Profile.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )
    if profile is None:
        raise Http404(_("Unknown calendar address."))
    meetings = selectors.user_meetings(profile.user)
    # Read by a calendar program, not a browser: in its owner's language, not the request's.
    with translation.override(profile.language or settings.LANGUAGE_CODE):
        ics = calendar.feed_ics(meetings)
    return _ics_response(ics, "chengyi-meetings.ics")


@require_POST
def calendar_token_renew(request):
    renew_token(user=request.user)
    messages.success(request, _("Your calendar address is renewed; the old one no longer works."))
    return redirect("cooperation:meeting_list")
