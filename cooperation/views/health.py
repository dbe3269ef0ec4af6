from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cooperation.health import health_report


@never_cache
@require_safe
def healthz(request):
    """For the load balancer: 200 while the database answers, 503 when it does not."""
    report, serving = health_report()
    return JsonResponse(report, status=200 if serving else 503)
