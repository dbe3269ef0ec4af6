"""LibreOffice round trips: a .docx or .xlsx converted to PDF by soffice, read by pypdf."""

import io
import subprocess
from pathlib import Path

from pypdf import PdfReader

A4 = (595.3, 841.9)  # points


def to_pdf(content: bytes, suffix: str, tmp_path: Path) -> PdfReader:
    """Convert with Debian's LibreOffice (headless, its own profile, so runs never share one).
    A missing soffice fails the test: scripts/ensure_services.sh installs it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / f"document{suffix}"
    source.write_bytes(content)
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "document.pdf"
    assert pdf.exists(), result.stderr.decode() + result.stdout.decode()
    return PdfReader(io.BytesIO(pdf.read_bytes()))


def page_size(reader: PdfReader, index: int = 0) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return float(box.width), float(box.height)


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    """PDF text without the spaces and line breaks a layout puts between characters."""
    return "".join(text.split())
