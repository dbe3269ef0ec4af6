"""The production URLs plus the baseline: a trivial view that returns "ok"."""

from django.http import HttpResponse
from django.urls import path

from tracker.urls import urlpatterns as production_urlpatterns


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok/", ok, name="bench_ok"), *production_urlpatterns]
