"""LibreOffice round trips: a .docx or .xlsx converted to PDF by soffice, read by pypdf."""

import atexit
import functools
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from pypdf import PdfReader

A4 = (595.3, 841.9)  # points


@functools.cache
def _profile() -> Path:
    """One LibreOffice profile per test process (each pytest-xdist worker has its own, so two
    instances never share one): the first conversion makes it, the next ones reuse it. The
    conversions of one process run one after another."""
    folder = Path(tempfile.mkdtemp(prefix="chengyi-lo-profile-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def to_pdfs(documents: list[bytes], suffix: str, tmp_path: Path) -> list[PdfReader]:
    """Convert with Debian's LibreOffice (headless), all of ``documents`` by one start of it:
    starting takes seconds, converting a page a fraction of one. A missing soffice fails the
    test: scripts/ensure_services.sh installs it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    sources = [tmp_path / f"document{index}{suffix}" for index in range(len(documents))]
    for source, content in zip(sources, documents, strict=True):
        source.write_bytes(content)
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{_profile()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, sources),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    readers = []
    for source in sources:
        pdf = source.with_suffix(".pdf")
        assert pdf.exists(), result.stderr.decode() + result.stdout.decode()
        readers.append(PdfReader(io.BytesIO(pdf.read_bytes())))
    return readers


def to_pdf(content: bytes, suffix: str, tmp_path: Path) -> PdfReader:
    return to_pdfs([content], suffix, tmp_path)[0]


def page_size(reader: PdfReader, index: int = 0) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return float(box.width), float(box.height)


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeeze(text: str) -> str:
    """PDF text without the spaces and line breaks a layout puts between characters."""
    return "".join(text.split())
