"""The OpenAPI 3 schema: valid (openapi-spec-validator), complete, and honoured by the live
server under schemathesis (gunicorn on loopback, signed with a token)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from openapi_spec_validator import validate

from cooperation.choices import Health, Role, Status
from cooperation.models import CooperationItem
from cooperation.services import StatusReport, status_report_submit
from tests.services import Gunicorn, app_env
from tests.urlwalk import routes

ROOT = Path(__file__).resolve().parent.parent.parent


def schema_of(client) -> dict:
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3_and_lists_every_operation(api_as):
    schema = schema_of(api_as("viewer"))
    validate(schema)  # raises on any violation of the OpenAPI 3 specification
    assert schema["openapi"].startswith("3.")
    named, _ = routes()
    api_paths = {
        route.pattern.replace("<int:pk>", "{id}")
        for route in named
        if route.name.startswith("api:") and route.name not in ("api:schema", "api:not_found")
    }
    assert {"/" + path for path in api_paths} == set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/status-reports/"]
    item_list = schema["paths"]["/api/v1/items/"]["get"]
    names = {parameter["name"] for parameter in item_list["parameters"]}
    from cooperation.filters import ItemFilter

    assert set(ItemFilter.base_filters) | {"page", "page_size"} == names
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_schema_is_english_on_request(api_as):
    english = schema_of(api_as("viewer", HTTP_ACCEPT_LANGUAGE="en"))
    page = english["paths"]["/api/v1/items/"]["get"]["parameters"]
    assert any(p.get("description") == "A page number within the paginated result set."
               for p in page)  # fmt: skip


def test_the_schema_is_the_same_for_every_role_and_kept_per_language(api_as, tokens):
    """It is served once generated (per language): what each role would have had generated
    afresh is what everyone gets."""
    from drf_spectacular.generators import SchemaGenerator

    from cooperation.api import schema as kept

    kept._SCHEMAS.clear()
    served = {lang: schema_of(api_as("viewer", HTTP_ACCEPT_LANGUAGE=lang)) for lang in LANGS}
    assert served["zh-hans"] != served["en"]
    assert {key[1] for key in kept._SCHEMAS} == set(LANGS)
    for role in ("anonymous", *tokens):
        for lang in LANGS:
            client = api_as(role, HTTP_ACCEPT_LANGUAGE=lang)
            response = client.get(reverse("api:schema"), {"format": "json"})
            if role == "anonymous":
                assert response.status_code in (401, 403)
                continue
            assert json.loads(response.content) == served[lang]
            request = response.wsgi_request
            with translation.override(lang):
                fresh = SchemaGenerator().get_schema(request=request, public=True)
                fresh = json.loads(json.dumps(fresh, default=str))
            assert fresh == served[lang], (role, lang)


LANGS = ("zh-hans", "en")


@pytest.fixture
def live_db_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    agreement, make_user, live_db_url, tmp_path, settings
):
    from cooperation.api.tokens import api_token_create

    owner = make_user("st_owner", org="cdig", role=Role.COORDINATOR)
    item = CooperationItem.objects.get(code="KP-1")
    status_report_submit(
        item=item,
        user=owner,
        report=StatusReport(status=Status.IN_PROGRESS, health=Health.AT_RISK, progress=10,
                            narrative="风险"),
    )  # fmt: skip
    _token, raw = api_token_create(user=owner, name="schemathesis")
    env = app_env(
        DATABASE_URL=live_db_url,
        REDIS_URL=settings.CELERY_BROKER_URL,
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CHENGYI_API_RATE="100000/minute",
    )
    server = Gunicorn(env, workers=2).start()
    report = tmp_path / "schemathesis.json"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{server.base}/api/schema/",
             "--header", f"Authorization: Token {raw}",
             "--header", "Accept-Language: en",
             "--checks", "not_a_server_error,response_schema_conformance,"
                         "content_type_conformance",
             "--max-examples", "15", "--seed", "20261204", "--workers", "2",
             "--phases", "examples,coverage,fuzzing",
             "--generation-database", "none", "--request-timeout", "30", "--no-color",
             "--report", "ndjson", "--report-ndjson-path", str(report)],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + server.output()[-3000:]
    assert "Internal Server Error" not in server.output()
    # Every operation of the schema was exercised, and every generated case passed.
    operations = sum(len(methods) for methods in schema_of(api_client(raw))["paths"].values())
    assert f"Selected: {operations}/{operations}" in output
    assert f"Tested: {operations}" in output
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated and generated.group(1) == generated.group(2), output[-3000:]


def api_client(raw: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client
