"""Official documents (公文) as Word files: meeting notices, minutes drafts, circulars and
supervision slips.

Report readers only (leaders, supervisors, superusers), as the other reports. The first
download of a document gives it its number (成宜办〔2026〕3号); later downloads keep it.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cooperation.documents import jobs
from cooperation.documents.circular import circular
from cooperation.documents.common import docx_response
from cooperation.documents.meetings import meeting_minutes, meeting_notice
from cooperation.documents.slips import slip_document
from cooperation.models import DocumentJob, JobState, Meeting, SupervisionSlip
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
    if jobs.circular_needs_worker(user=request.user):
        job = jobs.circular_job_request(period=period, user=request.user)
        return redirect("cooperation:documentjob_detail", pk=job.pk)
    content, _number = circular(period=period, user=request.user)
    return docx_response(content, f"circular-{period.key}.docx")


def _job(request, pk) -> DocumentJob:
    """The user's own job (someone else's is not found)."""
    return get_object_or_404(DocumentJob.objects.defer("content"), pk=pk, requested_by=request.user)


@reports_required
def documentjob_detail(request, pk):
    """ "Being prepared" (the page reloads itself every few seconds), then the download link."""
    job = _job(request, pk)
    waiting = job.state in (JobState.PENDING, JobState.RUNNING)
    jobs.document_job_nudge(job=job)
    return render(request, "cooperation/document_job.html", {"job": job, "waiting": waiting})


@reports_required
def documentjob_download(request, pk):
    job = get_object_or_404(DocumentJob, pk=pk, requested_by=request.user, state=JobState.DONE)
    return docx_response(bytes(job.content), job.filename)


@reports_required
def slip_docx(request, pk):
    slip = get_object_or_404(SupervisionSlip.objects.select_related("item"), pk=pk)
    content, _number = slip_document(slip=slip)
    return docx_response(content, f"supervision-slip-{slip.year}-{slip.sequence}.docx")
