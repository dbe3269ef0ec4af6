"""佐证材料: uploads refused or served safely (renamed executable, oversized file, `../`
name, SVG with script, another organisation's file by id)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.choices import Status
from cooperation.models import Evidence, StatusUpdate
from cooperation.workflow.evidence import check_one, safe_name

from .conftest import PDF, PNG, pdf, report

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def post_report(client, loop, *files, status="in_progress", progress="60"):
    loop.item.refresh_from_db()
    return client.post(
        reverse("cooperation:item_update", args=[loop.item.pk]),
        {
            "status": status,
            "health": "on_track",
            "progress": progress,
            "narrative": "完成厂房主体结构",
            "version": loop.item.version,
            "evidence": list(files),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("验收报告.pdf", PDF, "pdf"),
        ("现场.PNG", PNG, "png"),
        ("方案.docx", docx(), "docx"),
        ("材料.zip", b"PK\x03\x04" + b"\x00" * 40, None),  # a broken ZIP
    ],
)
def test_type_comes_from_the_content(name, content, expected):
    upload = SimpleUploadedFile(name, content)
    if expected is None:
        with pytest.raises(ValidationError):
            check_one(upload)
        return
    assert check_one(upload).extension == expected


def test_a_renamed_executable_is_refused_and_the_report_kept(loop, loop_client):
    response = post_report(loop_client("owner"), loop, SimpleUploadedFile("报告.pdf", EXE))
    assert response.status_code == 200
    html = response.content.decode()
    assert "不是 PDF" in html and "完成厂房主体结构" in html  # the narrative is still there
    assert not StatusUpdate.objects.filter(item=loop.item).exists()
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused(loop, loop_client, settings):
    settings.CHENGYI_UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024))
    response = post_report(loop_client("owner"), loop, big)
    assert "超过 1 MB" in response.content.decode()
    assert not StatusUpdate.objects.filter(item=loop.item).exists()


def test_an_svg_with_script_is_refused(loop, loop_client):
    response = post_report(loop_client("owner"), loop, SimpleUploadedFile("图.svg", SVG))
    assert response.status_code == 200 and not Evidence.objects.exists()
    # Named as a PNG, the SVG is still refused: the content decides.
    post_report(loop_client("owner"), loop, SimpleUploadedFile("图.png", SVG))
    assert not Evidence.objects.exists()


def test_a_name_mismatching_its_content_is_refused(loop, loop_client):
    response = post_report(loop_client("owner"), loop, SimpleUploadedFile("照片.pdf", PNG))
    assert "文件名与内容不符" in response.content.decode()


def test_a_dot_dot_name_is_stored_under_a_safe_name_inside_the_store(loop, settings):
    assert safe_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert safe_name("..\\..\\boot.ini.pdf") == "boot.ini.pdf"
    assert safe_name('a\x00b<script>".pdf') == "ab_script__.pdf"
    update = report(loop, files=[pdf("../../../etc/cron.d/进展.pdf")])
    evidence = update.evidence.get()
    assert evidence.name == "进展.pdf"
    path = evidence.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and ".." not in evidence.file.name


def test_download_is_an_attachment_with_nosniff_for_any_reader(loop, loop_client):
    update = report(loop, files=[pdf('报告"; filename=x.html.pdf')])
    evidence = update.evidence.get()
    # A coordinator of another organisation, asking by id: everyone signed in reads every
    # item here, so the file is served, and only ever as a download.
    response = loop_client("other").get(
        reverse("cooperation:evidence_download", args=[evidence.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "x.html" not in response["Content-Disposition"].split("filename*=")[0].replace(
        "x.html.pdf", ""
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    anonymous = loop_client("anonymous").get(
        reverse("cooperation:evidence_download", args=[evidence.pk])
    )
    assert anonymous.status_code == 302
    missing = loop_client("other").get(reverse("cooperation:evidence_download", args=[999999]))
    assert missing.status_code == 404


def test_an_inactive_account_cannot_fetch_a_file(loop, client):
    update = report(loop, files=[pdf()])
    user = loop.users["other"]
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get(reverse("cooperation:evidence_download", args=[update.evidence.get().pk]))
    assert response.status_code in (302, 403)


def test_several_files_and_a_completion_request_keep_their_evidence(loop, loop_client):
    client = loop_client("owner")
    post_report(client, loop, pdf(), SimpleUploadedFile("方案.docx", docx()))
    update = StatusUpdate.objects.get(item=loop.item)
    assert sorted(e.name for e in update.evidence.all()) == ["方案.docx", "验收报告.pdf"]
    assert update.status == Status.IN_PROGRESS
