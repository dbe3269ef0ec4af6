"""Every URL pattern the project serves, with its arguments filled from real objects.

Walks Django's URL resolver, so a page someone adds later is covered without touching the
tests. A pattern whose arguments cannot be filled fails loudly (add a filler below); so does a
pattern without a name outside the admin, because it could not be walked.
"""

import datetime
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from cooperation.api.tokens import api_token_create
from cooperation.choices import City, Health, ReminderKind, Role, Status
from cooperation.models import (
    ChatRobot,
    ConsultationMechanism,
    CooperationItem,
    DocumentJob,
    ItemImport,
    Meeting,
    Membership,
    Milestone,
    Notification,
    Reminder,
    SupervisionSlip,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from cooperation.services import StatusReport, status_report_submit


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]
    pattern: str
    positional: int = 0


def _params(pattern) -> tuple[str, ...]:
    inner = pattern.pattern
    if isinstance(inner, RoutePattern):
        return tuple(inner.converters)
    if isinstance(inner, RegexPattern):
        return tuple(inner.regex.groupindex)
    return ()


def _walk(resolver, namespaces, params, prefix, found, unnamed):
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            _walk(entry, ns, (*params, *_params(entry)), text, found, unnamed)
        elif isinstance(entry, URLPattern):
            if entry.name is None:
                unnamed.append((namespaces, text))
                continue
            name = ":".join((*namespaces, entry.name))
            regex = entry.pattern.regex if isinstance(entry.pattern, RegexPattern) else None
            positional = regex.groups - len(regex.groupindex) if regex is not None else 0
            found.append(Route(name, (*params, *_params(entry)), text, positional))


def routes() -> tuple[list[Route], list[str]]:
    """(named routes, unnamed patterns outside the admin)."""
    found: list[Route] = []
    unnamed: list = []
    _walk(get_resolver(), (), (), "", found, unnamed)
    outside_admin = [text for namespaces, text in unnamed if "admin" not in namespaces]
    # One route may be registered twice (e.g. the admin's): walk it once.
    unique = list({route.name: route for route in found}.values())
    return unique, outside_admin


# --- real objects to fill arguments with ----------------------------------------------------

# The first word of a URL name says which model its ``pk`` is (STYLE: <model>_<action>).
PREFIX_MODELS = {
    "item": "cooperation.CooperationItem",
    "milestone": "cooperation.Milestone",
    "update": "cooperation.StatusUpdate",
    "statusupdate": "cooperation.StatusUpdate",
    "meeting": "cooperation.Meeting",
    "mechanism": "cooperation.ConsultationMechanism",
    "reminder": "cooperation.Reminder",
    "notification": "cooperation.Notification",
    "organization": "cooperation.Organization",
    "agreement": "cooperation.Agreement",
    "user": "auth.User",
    "apitoken": "cooperation.ApiToken",
    "webhooksubscription": "cooperation.WebhookSubscription",
    "webhookdelivery": "cooperation.WebhookDelivery",
    "webhookevent": "cooperation.WebhookEvent",
    "slip": "cooperation.SupervisionSlip",
    "acknowledgement": "cooperation.Acknowledgement",
    "completion": "cooperation.CompletionRequest",
    "evidence": "cooperation.Evidence",
    "comment": "cooperation.Comment",
    "documentjob": "cooperation.DocumentJob",
    "import": "cooperation.ItemImport",
}


def seed_everything(*, user) -> dict:
    """One row of every kind a page may show, owned by ``user`` where that matters."""
    item = CooperationItem.objects.get(code="KP-1")
    milestone = Milestone.objects.create(item=item, title_zh="完成用地报批")
    status_report_submit(
        item=item,
        user=user,
        report=StatusReport(status=Status.IN_PROGRESS, health=Health.ON_TRACK, progress=10),
    )
    mechanism = ConsultationMechanism.objects.order_by("pk").first()
    start = timezone.now() + datetime.timedelta(days=20)
    meeting = Meeting.objects.create(
        mechanism=mechanism,
        sequence=1,
        starts_at=start,
        planned_for=start.date(),
        host_city=City.CHENGDU,
    )
    reminder = Reminder.objects.create(
        key=f"walk-{meeting.pk}",
        kind=ReminderKind.values[0],
        meeting=meeting,
        recipient=user,
        due_at=start - datetime.timedelta(days=3),
    )
    Notification.objects.create(user=user, title="walk", reminder=reminder)
    api_token_create(user=user, name="walk")
    subscription = WebhookSubscription.objects.create(
        name="walk", url="http://127.0.0.1:9/", event_types=["item.changed"]
    )
    event = WebhookEvent.objects.create(type="item.changed", resource_type="item", resource_id=1)
    WebhookDelivery.objects.create(
        key="walk", subscription=subscription, event=event, resource_key="item:1"
    )
    ChatRobot.objects.create(
        name="walk",
        platform="wecom",
        webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=walk",
        organization=item.chengdu_lead,
    )

    ItemImport.objects.create(
        created_by=user,
        filename="walk.xlsx",
        content=b"",
        sha256="0" * 64,
        state="checked",
        preview={"items": [], "milestones": [], "errors": [], "counts": {}, "ignored": []},
    )
    job = DocumentJob.objects.create(
        kind="circular", subject="period:2026", requested_by=user, state="done", content=b"x"
    )
    Group.objects.create(name="walk")
    Membership.objects.get_or_create(
        user=user, organization=item.chengdu_lead, defaults={"role": Role.SUPERVISOR}
    )
    request = {"user_agent": "walk", "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(
        username="walk",
        ip_address="10.0.0.1",
        get_data="",
        post_data="",
        failures_since_start=1,
        **request,
    )
    AccessLog.objects.create(username="walk", ip_address="10.0.0.1", **request)
    AccessFailureLog.objects.create(username="walk", ip_address="10.0.0.1", **request)
    slip = SupervisionSlip.objects.create(
        year=2026, sequence=1, item=item, colour="blue", cause="deadline_near",
        feedback_due=timezone.localdate(),
    )  # fmt: skip
    slip.addressed_to.set([item.chengdu_lead])
    loop = seed_loop(item=item, user=user)
    SEEDED.clear()
    objects = (item, milestone, meeting, mechanism, reminder, slip, job, *loop)
    SEEDED.update({obj._meta.label: obj for obj in objects})
    return {"item": item, "milestone": milestone, "meeting": meeting}


def seed_loop(*, item, user) -> list:
    """The supervision loop's rows (acknowledgement, completion request with evidence,
    comment) for the walk."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cooperation.models import Comment
    from cooperation.workflow.assignments import assignment_sync
    from cooperation.workflow.reporting import loop_report_submit

    assignment_sync(item=item)
    update = loop_report_submit(
        item=item,
        user=user,
        report=StatusReport(status=Status.CANCELLED, health=Health.ON_TRACK, progress=10),
        files=[SimpleUploadedFile("walk.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    request = update.completion_request
    comment = Comment.objects.create(item=item, author=user, body="walk")
    return [item.acknowledgements.first(), request, request.evidence.first(), comment]


# Objects the walk uses first (they belong together: the milestone is the item's).
SEEDED: dict = {}


def _model_of_segment(route: Route, param: str):
    """``items/<int:pk>/...``: the path segment before an argument names its model."""
    match = re.search(rf"([a-z_-]+)/<(?:\w+:)?{param}>", route.pattern)
    if match is None:
        return None
    singular = match.group(1).rstrip("s").replace("-", "")
    label = PREFIX_MODELS.get(singular)
    return apps.get_model(label) if label else None


def _model_of(name: str):
    local = name.rsplit(":", 1)[-1]
    if name.startswith("admin:"):
        for model in admin.site._registry:
            label = f"{model._meta.app_label}_{model._meta.model_name}_"
            if local.startswith(label):
                return model
        return None
    for prefix in sorted(PREFIX_MODELS, key=len, reverse=True):
        if local == prefix or local.startswith(prefix + "_"):
            return apps.get_model(PREFIX_MODELS[prefix])
    return None


def _first_pk(model, user):
    if model is None:
        return None
    if model._meta.label == "cooperation.Profile":
        return user.profile.pk
    obj = SEEDED.get(model._meta.label) or model.objects.order_by("pk").first()
    return obj.pk if obj is not None else None


def fill(route: Route, *, user) -> dict:
    """Keyword arguments for ``route`` from real objects; LookupError when there is no rule."""
    kwargs = {}
    model = CooperationItem if route.name == "admin:view_on_site" else _model_of(route.name)
    for param in route.params:
        value = None
        if param in ("pk", "object_id", "id"):
            value = _first_pk(_model_of_segment(route, param) or model, user)
        elif param.endswith(("_pk", "_id")) and param[:-3] in PREFIX_MODELS:
            value = _first_pk(apps.get_model(PREFIX_MODELS[param[:-3]]), user)
        elif param == "app_label":
            value = "cooperation"
        elif param == "content_type_id":
            value = ContentType.objects.get_for_model(CooperationItem).pk
        elif param == "token":
            value = user.profile.calendar_token
        elif param == "fmt":
            value = "xlsx"  # the CSV variant is fetched by the export tests
        if value is None:
            raise LookupError(f"no filler for argument {param!r} of URL {route.name!r}")
        kwargs[param] = value
    return kwargs


def fill_positional(route: Route, *, user) -> list:
    """simple-history's admin page of one history row: (object id, history id)."""
    if route.positional == 0:
        return []
    model = _model_of(route.name)
    if route.positional != 2 or not route.name.endswith("_simple_history") or model is None:
        raise LookupError(f"no filler for the positional arguments of URL {route.name!r}")
    obj = model.objects.order_by("pk").first()
    if obj is None:
        raise LookupError(f"seed_everything() makes no {model._meta.label} for {route.name!r}")
    return [obj.pk, obj.history.order_by("history_id").first().history_id]


def url_of(route: Route, *, user) -> str:
    args = fill_positional(route, user=user)
    if args:
        return reverse(route.name, args=args)
    return reverse(route.name, kwargs=fill(route, user=user))


# --- the headers every response must carry ----------------------------------------------


def security_header_problems(response, *, secure: bool) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy", "")
    directives = {
        part.strip().split(" ")[0]: part.strip().split(" ")[1:]
        for part in csp.split(";")
        if part.strip()
    }
    if not csp:
        problems.append("no Content-Security-Policy")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    if directives.get("default-src") != ["'self'"]:
        problems.append(f"default-src is {directives.get('default-src')}")
    for directive in ("script-src", "style-src", "object-src", "base-uri", "form-action"):
        if directive not in directives:
            problems.append(f"no {directive}")
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"):
        if any(bad in values for values in directives.values()):
            problems.append(f"CSP allows {bad}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if secure:
        expected["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header} is {response.get(header)!r}, expected {value!r}")
    if not secure and response.has_header("Strict-Transport-Security"):
        problems.append("HSTS sent over plain HTTP")
    for name, morsel in response.cookies.items():
        if not morsel.value:
            continue  # a deletion
        for flag in ("secure", "httponly"):
            if secure and not morsel[flag]:
                problems.append(f"cookie {name} lacks {flag}")
        if morsel["samesite"] not in ("Lax", "Strict"):
            problems.append(f"cookie {name} has SameSite={morsel['samesite']!r}")
    return problems


class _InlineCode(HTMLParser):
    """Script and style written into the page, which the CSP blocks (and so must not exist)."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            kind = (a.get("type") or "").lower()
            self._in_script = "src" not in a and kind not in ("application/json",)
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            elif name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            elif name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline <script>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code_problems(response) -> list[str]:
    if "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _InlineCode()
    parser.feed(response.content.decode(errors="replace"))
    return sorted(set(parser.found))


# --- the pages a person sees ------------------------------------------------------------


def html_pages(client, *, user) -> list[str]:
    """Every page outside the admin that ``client`` (signed in or not) is shown: the URLs of
    the walk that answer HTML on GET, allowed (200) or refused with the 403 page (once for
    each refusal it states). Redirects
    (to sign in), downloads, feeds and POST-only URLs are left out. The browser tests
    (accessibility, phone widths) walk this list, so a page added later joins them."""
    pages, refusals = [], set()
    for route in routes()[0]:
        if route.name.startswith("admin:"):
            continue
        url = url_of(route, user=user)
        response = client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if response.status_code == 403:
            # The same refusal on many URLs is one page to look at: the first of each.
            said = re.search(r'data-testid="refused">(.*?)</p>', response.content.decode())
            if said is not None and said.group(1) in refusals:
                continue
            refusals.add(said.group(1) if said else url)
            pages.append(url)
        elif response.status_code == 200:
            pages.append(url)
    return pages
