"""Every form on every page, found by reading the pages, and the inputs to try on them.

Pages come from the URL walk (tests/urlwalk.py), forms from their HTML, so a form someone
adds later is fuzzed without touching the tests.
"""

import functools
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.db import connection
from django.db.models import Count, Max

# Inputs every field gets. The markers (xss-…) are looked for, unescaped, on every page.
PAYLOADS = {
    "empty": "",
    "whitespace": " \t\u3000\n ",
    "over-long": "长" * 10_001,
    "over-long ascii": "x" * 100_001,
    "wrong type": "abc",
    "negative": "-1",
    "huge number": "99999999999999999999999",
    "float": "1.5e3",
    "full-width digits": "１２",
    "script": '<script>alert("xss-1")</script>',
    "html attribute": '"><img src=x onerror=alert("xss-2")>',
    "quote breakout": "' autofocus onfocus='alert(\"xss-3\")",
    "template syntax": "{{ request.user.password }}{% debug %}",
    "sql": "1' OR '1'='1' --",
    "control characters": "a\x00b\x01c\x1b[31md\x7f",
    "right-to-left marks": "\u202e\u200fKP-1\u202c\u2066",
    "formula": '=HYPERLINK("http://evil.example","xss-4")',
    "emoji": "👍🏽 进展 😀",
    "path": "../../../../etc/passwd",
    "null": "null",
    # Unicode number forms: str.isdigit() is true for some that int() refuses (issue 16).
    "superscript digit": "²",
    "arabic-indic digits": "١٢",
    "devanagari digits": "१२",
    "roman numeral": "Ⅻ",
    "vulgar fraction": "½",
    "mathematical digits": "𝟙𝟚",
    "tamil ten": "௰",
    # Dates a calendar widget never sends.
    "huge date": "9999-12-31",
    "year 10000": "10000-01-01",
    "far past date": "0001-01-01",
}
# The payloads above that are numbers or dates in some sense: every query parameter a page's
# GET forms take is tried with them (ids, filters, periods).
NUMBER_FORMS = [
    "full-width digits", "superscript digit", "arabic-indic digits", "devanagari digits",
    "roman numeral", "vulgar fraction", "mathematical digits", "tamil ten", "huge number",
    "negative", "float", "huge date", "year 10000", "far past date",
]  # fmt: skip
# Unescaped in a page, these would run as markup.
RAW_MARKERS = [
    '<script>alert("xss-1")',
    '<img src=x onerror=alert("xss-2")',
    "' autofocus onfocus='alert(",
]


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    @property
    def editable(self) -> list[str]:
        return [name for name in self.fields if name != "csrfmiddlewaretoken"]


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = Form(self.page, a.get("action") or self.page,
                                (a.get("method") or "get").lower())  # fmt: skip
            self.forms.append(self.current)
        if self.current is None or (not a.get("name") and tag != "option"):
            return
        form, name = self.current, a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            form.fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields[name].append(a.get("value", "on"))
            else:
                form.fields[name] = [a.get("value", "")]
        elif tag == "select":
            self.select = name
            form.fields.setdefault(name, [])
            form.choices.setdefault(name, [])
        elif tag == "option" and self.select:
            form.choices[self.select].append(a.get("value", ""))
            if "selected" in a:
                form.fields[self.select].append(a.get("value", ""))
        elif tag == "textarea":
            self.textarea = name
            form.fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            if self.current and self.select and not self.current.fields[self.select]:
                options = self.current.choices[self.select]
                self.current.fields[self.select] = options[:1]
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current.fields[self.textarea] = [self.current.fields[self.textarea][0] + data]


def forms_on(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms


class _ErrorParser(HTMLParser):
    """Texts of the elements that carry form errors."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
        elif {"invalid-feedback", "alert-danger", "errorlist"} & set(classes):
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data


def error_texts(html: str) -> list[str]:
    parser = _ErrorParser()
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.texts if t.strip()]


CJK = re.compile(r"[\u4e00-\u9fff]")


def untranslated(texts: list[str]) -> list[str]:
    """Error texts shown to a Chinese-language user that contain no Chinese."""
    return [t for t in texts if not CJK.search(t)]


def _fingerprinted_models() -> list:
    return [
        model
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label)
        if model._meta.app_label not in ("sessions", "axes", "admin")
        and model._meta.label != "cooperation.SignedInSession"
    ]


def _compared_columns(model) -> list[str]:
    # last_login changes whenever a test client signs in; everything else must not.
    return [f.column for f in model._meta.concrete_fields if f.name != "last_login"]


@functools.cache
def _fingerprint_sql() -> str:
    """One query for the whole database (PostgreSQL): a line per model. History is
    append-only: its count and highest id; every other table: the MD5 of all its rows' compared
    columns, in id order, so a row lost, added or changed in any of them changes the line."""
    quote = connection.ops.quote_name
    parts = []
    for model in _fingerprinted_models():
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        label = model._meta.label
        if model._meta.model_name.startswith("historical"):
            value = f"count({pk})::text || ',' || coalesce(max({pk})::text, '')"
        else:
            row = ", ".join(f"t.{quote(c)}" for c in _compared_columns(model))
            rows = f"string_agg(ROW({row})::text, ',' ORDER BY t.{pk})"
            value = f"md5(coalesce({rows}, ''))"
        parts.append(f"SELECT '{label}' AS model, {value} AS state FROM {table} t")  # noqa: S608
    return " UNION ALL ".join(parts)


def database_fingerprint() -> str:
    """Changes when any row of the app, its history, users or sessions-independent data does."""
    digest = hashlib.sha256()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_fingerprint_sql())
            for label, state in sorted(cursor.fetchall()):
                digest.update(f"{label}={state};".encode())
        return digest.hexdigest()
    for model in _fingerprinted_models():
        digest.update(model._meta.label.encode())
        if model._meta.model_name.startswith("historical"):
            pk = model._meta.pk.name
            digest.update(repr(model._default_manager.aggregate(Count(pk), Max(pk))).encode())
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
        for row in model._default_manager.order_by("pk").values_list(*columns).iterator():
            digest.update(repr(row).encode())
    return digest.hexdigest()
