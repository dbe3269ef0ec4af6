"""Document numbers (发文字号): per issuing-body code and year, unique, and stable."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from cooperation.models import DocumentKind, DocumentNumber

# The issuing-body codes: 成宜办 (the office) for notices, minutes and circulars,
# 成宜督 (supervision) for supervision slips.
PREFIXES = {
    DocumentKind.MEETING_NOTICE: "成宜办",
    DocumentKind.MINUTES: "成宜办",
    DocumentKind.CIRCULAR: "成宜办",
    DocumentKind.SUPERVISION_SLIP: "成宜督",
}
ATTEMPTS = 5


def document_number_issue(*, kind: str, subject: str, user) -> DocumentNumber:
    """The number of the document (``kind``, ``subject``): the one it was given the first time
    it was made, else the next free number of its code in the current year (Beijing time).

    Two requests at once cannot share a number or give one document two: both are unique
    constraints, and the loser of a race reads the winner's row (or takes the next number).
    """
    for _attempt in range(ATTEMPTS):
        existing = DocumentNumber.objects.filter(kind=kind, subject=subject).first()
        if existing is not None:
            return existing
        prefix, today = PREFIXES[kind], timezone.localdate()
        try:
            with transaction.atomic():
                last = DocumentNumber.objects.filter(prefix=prefix, year=today.year).aggregate(
                    last=Max("serial")
                )["last"]
                return DocumentNumber.objects.create(
                    kind=kind,
                    subject=subject,
                    prefix=prefix,
                    year=today.year,
                    serial=(last or 0) + 1,
                    issued_on=today,
                    issued_by=user if user is not None and user.is_authenticated else None,
                )
        except IntegrityError:
            continue  # someone took the number, or numbered this document, meanwhile
    raise RuntimeError(f"no document number for {kind} {subject} after {ATTEMPTS} attempts")
