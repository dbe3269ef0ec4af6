"""Official documents (公文) as Word files: meeting notices, minutes drafts, circulars and
supervision slips.

Report readers only (leaders, supervisors, superusers), as the other reports. The first
download of a document gives it its number (成宜办〔2026〕3号); later downloads keep it.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from cooperation.documents.circular import circular
from cooperation.documents.common import docx_response
from cooperation.documents.meetings import meeting_minutes, meeting_notice
from cooperation.documents.slips import slip_document
from cooperation.models import Meeting, SupervisionSlip
from cooperation.reports.forms import REPORT_KINDS

from .reports import _period_form, reports_required


def _meeting(pk) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("mechanism", "mechanism__agreement"), pk=pk
    )


def _stem(meeting: Meeting) -> str:
    return f"{meeting.mechanism.code}-{meeting.sequence or f'extra-{meeting.pk}'}"


@reports_required
def meeting_notice_docx(request, pk):
    meeting = _meeting(pk)
    content, _number = meeting_notice(meeting=meeting, user=request.user)
    return docx_response(content, f"notice-{_stem(meeting)}.docx")


@reports_required
def meeting_minutes_docx(request, pk):
    meeting = _meeting(pk)
    content, _number = meeting_minutes(meeting=meeting, user=request.user)
    return docx_response(content, f"minutes-draft-{_stem(meeting)}.docx")


@reports_required
def report_circular_docx(request):
    form = _period_form(request, kinds=REPORT_KINDS)
    if form.errors:
        messages.error(request, _("Choose a period from the list to download its circular."))
        return redirect("cooperation:report_period")
    period = form.cleaned_data["period"]
    content, _number = circular(period=period, user=request.user)
    return docx_response(content, f"circular-{period.key}.docx")


@reports_required
def slip_docx(request, pk):
    slip = get_object_or_404(SupervisionSlip.objects.select_related("item"), pk=pk)
    content, _number = slip_document(slip=slip)
    return docx_response(content, f"supervision-slip-{slip.year}-{slip.sequence}.docx")
