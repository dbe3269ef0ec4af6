"""佐证材料: evidence files, checked before anything is stored.

The type comes from the content (magic numbers; an Office file is a ZIP whose parts name it),
never from the name or the browser's claim; the name must agree with the content. Names are
reduced to a safe base name. Files go through Django's storage API (the ``evidence`` storage
when configured, e.g. S3 through django-storages, else the default file system storage under
MEDIA_ROOT, which nothing serves directly) and are read back only through the
permission-checking download view, as attachments with nosniff.
"""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cooperation.models import Evidence
from cooperation.services import tracked_save

# extension: (content type, other extensions the same content may carry)
TYPES = {
    "pdf": ("application/pdf", ()),
    "png": ("image/png", ()),
    "jpg": ("image/jpeg", ("jpeg",)),
    "gif": ("image/gif", ()),
    "webp": ("image/webp", ()),
    "doc": ("application/msword", ("xls", "ppt", "wps", "et", "dps")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ()),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ()),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ()),
    "odt": ("application/vnd.oasis.opendocument.text", ()),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ()),
    "zip": ("application/zip", ()),
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Word / Excel / PowerPoint (and WPS)
NAME_MAX = 120


@dataclass
class CheckedFile:
    upload: UploadedFile
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.CHENGYI_UPLOAD_MAX_MB * 1024 * 1024


def sniff(upload) -> str | None:
    """The extension the content shows, or None for anything not accepted."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(OLE2):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return None


def _zip_kind(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names:
        for part, kind in (
            ("word/document.xml", "docx"),
            ("xl/workbook.xml", "xlsx"),
            ("ppt/presentation.xml", "pptx"),
        ):
            if part in names:
                return kind
    if mimetype == b"application/vnd.oasis.opendocument.text":
        return "odt"
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    return "zip"


def safe_name(raw: str) -> str:
    """A base name without folders, control characters or anything a shell or a header
    could misread; Chinese and other letters kept."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.()\-\s\u3000-\u303f\uff00-\uffef]", "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: NAME_MAX - len(extension) - 1] + dot + extension) if dot else name[:NAME_MAX]
    return name or "file"


def check_one(upload: UploadedFile) -> CheckedFile:
    shown = safe_name(upload.name)
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is larger than %(max)s MB.")
            % {"name": shown, "max": settings.CHENGYI_UPLOAD_MAX_MB},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": shown}, code="empty")
    extension = sniff(upload)
    if extension is None:
        raise ValidationError(
            _(
                "%(name)s is not a PDF, an image (PNG, JPEG, GIF, WebP), an Office document "
                "or a ZIP archive."
            )
            % {"name": shown},
            code="bad_type",
        )
    content_type, aliases = TYPES[extension]
    claimed = shown.rpartition(".")[2].lower() if "." in shown else ""
    if claimed not in (extension, *aliases):
        raise ValidationError(
            _("The name of %(name)s does not match its content (a .%(kind)s file).")
            % {"name": shown, "kind": extension},
            code="name_mismatch",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, shown, extension, content_type, upload.size, digest.hexdigest())


def evidence_check(uploads: list[UploadedFile]) -> list[CheckedFile]:
    """Every file checked; all the problems at once, or the checked files."""
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_one(upload))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"evidence": errors})
    return checked


def evidence_store(
    *, item, user, checked: CheckedFile, status_update=None, completion_request=None
) -> Evidence:
    """Store one checked file (call inside the transaction that writes its report)."""
    evidence = Evidence(
        item=item,
        status_update=status_update,
        completion_request=completion_request,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    evidence.file.save(checked.name, checked.upload, save=False)
    try:
        tracked_save(evidence, user=user, reason=gettext_noop("Evidence uploaded"))
    except Exception:
        evidence.file.delete(save=False)  # no orphan file for a row that was not written
        raise
    return evidence
