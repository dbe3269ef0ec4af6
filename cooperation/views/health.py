import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cooperation.health import health_detail, health_report
from cooperation.security import client_ip


def _over_limit(request) -> bool:
    """At most CHENGYI_HEALTH_RATE calls a minute from one address (per server process)."""
    key = f"healthz:{client_ip(request)}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        return cache.incr(key) > settings.CHENGYI_HEALTH_RATE
    except ValueError:  # expired in between
        return False


def _too_many() -> JsonResponse:
    response = JsonResponse({"status": "too many requests"}, status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
@require_safe
def healthz(request):
    """For the load balancer: 200 while the database answers, 503 when it does not. One
    database query, no broker; never reads the session."""
    if _over_limit(request):
        return _too_many()
    report, serving = health_report()
    return JsonResponse(report, status=200 if serving else 503)


def _token_ok(request) -> bool:
    expected = settings.CHENGYI_HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_safe
def healthz_detail(request):
    """The detailed check (broker, workers answering a ping): staff signed in, or a monitor
    sending ``Authorization: Bearer $CHENGYI_HEALTH_TOKEN``."""
    if not _token_ok(request) and not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"status": "forbidden"}, status=403)
    if _over_limit(request):
        return _too_many()
    report, serving = health_detail()
    return JsonResponse(report, status=200 if serving else 503)
