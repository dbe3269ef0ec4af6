"""The agreement pages: its clauses and where each comes from; the list of sources."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cooperation.agreement import selectors
from cooperation.models import Agreement


@require_GET
def agreement_list(request):
    return render(
        request, "cooperation/agreement_list.html", {"agreements": selectors.agreement_list()}
    )


@require_GET
def agreement_detail(request, pk: int):
    try:
        agreement = selectors.agreement_detail(pk=pk, user=request.user)
    except Agreement.DoesNotExist:
        raise Http404 from None
    return render(request, "cooperation/agreement_detail.html", {"agreement": agreement})


@require_GET
def source_list(request):
    return render(request, "cooperation/source_list.html", {"sources": selectors.source_list()})
