"""A meeting reminder's e-mail built once for a batch and filled in per recipient.

Everyone reminded of a meeting in a batch gets the same e-mail but for a few values: the
greeting's name, the To address, the Message-ID and reminder key, the Date, the invitation's
ATTENDEE and the MIME boundaries. Building it through Django and the ``email`` package took
most of a reminder's CPU in a dispatch run (1.1 ms of 1.6 ms, profiled at 10,000 reminders),
so it is built once, with a token where each of those values goes, and each recipient's
bytes are the template's parts joined with that recipient's values.

A template stands for a recipient only where the values change no other byte of the message:
the name and the invitation keep their part's transfer encoding (7bit for ASCII, 8bit
otherwise; the template is made per kind), no line grows past what forces quoted-printable,
and the addresses and keys are short, plain ASCII headers. Anything else, and any message
whose template could not be made, is built the ordinary way (``delivery.email_outgoing``).
A test compares both ways byte for byte.
"""

import base64
import re
import uuid

from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from . import delivery
from .messages import Message

# Tokens that no rendered text contains (checked when a template is made): letters and
# digits only, so neither HTML escaping nor header folding changes them.
NAME_TEXT, NAME_HTML = "zcyTokNameTextQ", "zcyTokNameHtmlQ"
TO, MESSAGE_ID, KEY, DATE = "zcytokto@zcytok.invalid", "zcyTokMidQ", "zcyTokKeyQ", "zcyTokDateQ"
ICS_TEXT, ICS_BASE64 = "zcyTokIcsQ", "zcyTokIcsBase64Q"
NON_ASCII = "\u540d"  # put before a token that stands for a non-ASCII value
BOUNDARY = "=_zcyTokBoundary{:02d}Q" + "x" * 15  # as long as a real one: the same folding

LINE_LIMIT = 998  # octets; a longer line makes the part quoted-printable (RFC 5322)
HEADER_LIMIT = 78  # a longer header is folded
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _kind(value: str | bytes | None) -> str:
    if value is None:
        return "none"
    if not value:
        return "empty"
    return "ascii" if value.isascii() else "utf8"


def _base64(data: bytes) -> bytes:
    """``data`` as the ``email`` package writes a base64 part, with CRLF line ends."""
    encoded = base64.encodebytes(data)
    if not data.endswith(b"\n"):
        encoded = encoded.removesuffix(b"\n")
    return encoded.replace(b"\n", b"\r\n")


def _name_lines(text: str, placeholder: str) -> tuple[int, int]:
    """Of the lines of ``text`` that hold ``placeholder``: the longest, in octets without the
    placeholder, and how often it holds it."""
    longest = (0, 0)
    for line in text.splitlines():
        if placeholder in line:
            count = line.count(placeholder)
            rest = len(line.encode()) - count * len(placeholder.encode())
            longest = max(longest, (rest, count))
    return longest


class Template:
    """The bytes of one message for one kind of recipient, split where the values go."""

    def __init__(self, literals: list[bytes], slots: list[str], name_lines):
        self.literals = literals  # one more than slots: literal, slot, literal ...
        self.slots = slots
        self.envelope_from = delivery.sanitized(
            settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET
        )
        self.boundaries = sorted({slot for slot in slots if slot.startswith("=_zcyTokBoundary")})
        # The longest line with the name in the text and in the HTML: (octets without it, times)
        self.name_lines = name_lines

    def name_fits(self, name: bytes, escaped: bytes) -> bool:
        """Whether no line with the name gets long enough to change the part's encoding."""
        (text, text_times), (html, html_times) = self.name_lines
        return (
            text + text_times * len(name) <= LINE_LIMIT
            and html + html_times * len(escaped) <= LINE_LIMIT
        )

    def fill(self, values: dict[str, bytes]) -> bytes:
        out = [self.literals[0]]
        for slot, literal in zip(self.slots, self.literals[1:], strict=True):
            out.append(values.get(slot, slot.encode()))  # boundaries: below
            out.append(literal)
        data = b"".join(out)
        # Fresh boundaries that the message does not contain (the rest of it is known now).
        for slot in self.boundaries:
            boundary = f"=_{uuid.uuid4().hex}".encode()
            while boundary in data:
                boundary = f"=_{uuid.uuid4().hex}".encode()
            data = data.replace(slot.encode(), boundary)
        return data


class MailTemplates:
    """The templates of a batch, keyed by message, language and the kinds of the values."""

    def __init__(self, renderings: delivery.Renderings):
        self.renderings = renderings
        # (id(message), language, name kind, ics kind, method) -> (message, template or None)
        self.templates: dict[tuple, tuple[Message, Template | None]] = {}
        self.filled = self.built = 0  # messages from a template, and built the ordinary way

    def outgoing(self, *, reminder, message: Message, rendered: delivery.Rendered):
        """The reminder's e-mail, from its template when it can be; built otherwise."""
        recipient = reminder.recipient
        name = delivery.display_name(recipient)
        ics = rendered.ics
        email = recipient.email
        key = (
            id(message),
            translation.get_language(),
            _kind(name),
            _kind(ics),
            rendered.ics_method,
        )
        if key not in self.templates:
            self.templates[key] = (message, self._template(message, rendered, name, ics))
        template = self.templates[key][1]
        values = template and self._values(template, reminder, name, email, ics, rendered)
        if values is None:
            self.built += 1
            return delivery.email_outgoing(reminder=reminder, rendered=rendered)
        self.filled += 1
        return delivery.Outgoing(
            envelope_from=template.envelope_from,
            envelope_to=[email],
            data=template.fill(values),
            build=lambda: delivery.email_message(reminder=reminder, rendered=rendered),
        )

    def _values(self, template, reminder, name, email, ics, rendered) -> dict | None:
        """The recipient's values, or None when they would change more than their slots."""
        mid = delivery.message_id(reminder)
        date = delivery.date_header()
        headers = (("To", email), ("Message-ID", mid), ("X-Chengyi-Reminder", reminder.key))
        if not ADDRESS.fullmatch(email):
            return None
        if delivery.sanitized(email, settings.DEFAULT_CHARSET) != email:
            return None
        if any(len(header) + len(value) + 2 > HEADER_LIMIT for header, value in headers):
            return None
        if not (reminder.key.isascii() and reminder.key.isprintable() and " " not in reminder.key):
            return None
        name_text, name_html = name.encode(), escape(name).encode()
        if name and not (name.isprintable() and template.name_fits(name_text, name_html)):
            return None
        values = {
            NAME_TEXT: name_text,
            NAME_HTML: name_html,
            TO: email.encode(),
            MESSAGE_ID: mid.encode(),
            KEY: reminder.key.encode(),
            DATE: date.encode(),
        }
        if ics is not None:
            crlf = ics.count(b"\r\n")
            if ics.count(b"\r") != crlf or ics.count(b"\n") != crlf:
                return None  # a bare line end: the part would be written otherwise
            if max(map(len, ics.split(b"\r\n"))) > LINE_LIMIT:
                return None
            values[ICS_TEXT] = ics
            values[ICS_BASE64] = _base64(ics)
        return values

    def _template(self, message, rendered, name, ics) -> Template | None:
        """The message built with tokens for the values; None when one cannot be made."""
        prefix = {"utf8": NON_ASCII, "ascii": ""}
        body_text, body_html = self.renderings.bodies_with_placeholder(message, name)
        name_text = name_html = ""
        if name:
            name_text, name_html = prefix[_kind(name)] + NAME_TEXT, prefix[_kind(name)] + NAME_HTML
        placeholder = delivery.Renderings.NAME
        text = body_text.replace(placeholder, name_text)
        html = body_html.replace(placeholder, name_html)
        ics_token = None
        if ics is not None:
            ics_token = (prefix[_kind(ics)] + ICS_TEXT + "\r\n").encode()
        model = delivery.Rendered(
            subject=rendered.subject, text=text, html=html, ics=ics_token,
            ics_method=rendered.ics_method,
        )  # fmt: skip
        mail = delivery.email_build(
            model, to=TO, date=DATE, message_id=MESSAGE_ID, key=KEY, cls=_TokenEmail
        )
        data = mail.message().as_bytes(linesep="\r\n")
        replacements = {
            NON_ASCII + NAME_TEXT: NAME_TEXT,
            NON_ASCII + NAME_HTML: NAME_HTML,
            NON_ASCII + ICS_TEXT + "\r\n": ICS_TEXT,
            ICS_TEXT + "\r\n": ICS_TEXT,
        }
        if ics_token is not None:
            replacements[_base64(ics_token).decode()] = ICS_BASE64
        # In one pass: a token's replacement must not meet the next token's pattern.
        tokens = sorted(replacements, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, tokens)).encode())
        data = pattern.sub(lambda match: replacements[match.group().decode()].encode(), data)
        parts = _split(data, expected=_expected(name, ics, mail.boundaries))
        if parts is None:
            return None
        name_lines = (_name_lines(body_text, placeholder), _name_lines(body_html, placeholder))
        return Template(*parts, name_lines=name_lines)


def _expected(name: str, ics: bytes | None, boundaries: int) -> dict[str, int]:
    """How often each slot must appear in a template."""
    expected = {TO: 1, MESSAGE_ID: 1, KEY: 1, DATE: 1}
    if name:
        expected |= {NAME_TEXT: 1, NAME_HTML: 1}
    if ics is not None:
        expected |= {ICS_TEXT: 1, ICS_BASE64: 1}
    for n in range(boundaries):
        expected[BOUNDARY.format(n)] = None  # any number of times
    return expected


def _split(data: bytes, *, expected: dict[str, int | None]) -> tuple[list, list] | None:
    """The template's literals and the slots between them; None when a token is missing."""
    slots = sorted(expected, key=len, reverse=True)
    pattern = re.compile(b"|".join(re.escape(slot.encode()) for slot in slots))
    literals, found = [], []
    start = 0
    for match in pattern.finditer(data):
        literals.append(data[start : match.start()])
        found.append(match.group().decode())
        start = match.end()
    literals.append(data[start:])
    for slot, count in expected.items():
        if count is not None and found.count(slot) != count:
            return None  # a token was encoded away (quoted-printable ...): no template
    if any(b"zcyTok" in literal for literal in literals):
        return None
    return literals, found


class _TokenEmail(delivery.ReminderEmail):
    """The template's e-mail: tokens for boundaries, so they can be found and replaced."""

    boundaries = 0

    def message(self):
        msg = super().message()
        n = 0
        for part in msg.walk():
            if part.is_multipart():
                part.set_boundary(BOUNDARY.format(n))
                n += 1
        self.boundaries = n
        return msg
