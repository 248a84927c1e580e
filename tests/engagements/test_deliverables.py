"""engagements.services.deliverable_add: who may deliver, when, what is accepted, what is recorded."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from engagements.choices import TaskStatus
from engagements.models import Deliverable
from engagements.services import deliverable_add
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.core.models import AuditLog
from kpo.events.choices import EventType
from kpo.events.models import DomainEvent
from tests.factories import advance_task

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 20


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def task(world):
    """The analyst's task, in progress."""
    return advance_task(world.task_ap_ready, TaskStatus.IN_PROGRESS)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "suffix"),
    [
        ("Report.PDF", PDF, "application/pdf", ".pdf"),
        (
            "memo.docx",
            ooxml("word"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        (
            "model.xlsx",
            ooxml("xl"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        (
            "deck.pptx",
            ooxml("ppt"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ".pptx",
        ),
        ("peers.csv", "name,margin\nAcme,12.5 €\n".encode(), "text/csv", ".csv"),
        ("notes.md", b"# Notes\nAll good.\n", "text/plain", ".txt"),
        ("chart.png", PNG, "image/png", ".png"),
        ("photo.jpeg", JPEG, "image/jpeg", ".jpg"),
    ],
)
def test_accepted_files_are_stored_with_their_detected_type(
    task, provider_analyst, name, content, content_type, suffix
):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    deliverable = deliverable_add(task=task, actor=provider_analyst, file=upload)

    deliverable.refresh_from_db()
    assert deliverable.content_type == content_type
    assert deliverable.original_name == name
    assert deliverable.size_bytes == len(content)
    assert deliverable.sha256 == hashlib.sha256(content).hexdigest()
    assert deliverable.uploaded_by == provider_analyst
    # A server-generated name under the task's folder, with the extension of the detected type.
    assert deliverable.file.name.startswith(f"deliverables/{task.pk}/")
    assert deliverable.file.name.endswith(suffix)
    assert name.rsplit(".", 1)[0] not in deliverable.file.name
    with deliverable.file.open("rb") as stored:
        assert stored.read() == content


def test_upload_writes_audit_row_and_domain_event(task, provider_manager):
    deliverable = deliverable_add(
        task=task, actor=provider_manager, file=SimpleUploadedFile("r.pdf", PDF, "application/pdf")
    )
    audit = AuditLog.objects.get(action="deliverable.uploaded", object_id=str(deliverable.pk))
    assert audit.actor == provider_manager
    event = DomainEvent.objects.get(event_type=EventType.DELIVERABLE_UPLOADED)
    assert event.engagement_id == task.engagement_id
    assert event.payload["deliverable_id"] == deliverable.pk
    assert event.payload["sha256"] == deliverable.sha256


def test_a_link_is_accepted(task, provider_manager):
    deliverable = deliverable_add(task=task, actor=provider_manager, url=" https://share.example.com/d/42 ")
    assert deliverable.url == "https://share.example.com/d/42"
    assert not deliverable.file
    assert DomainEvent.objects.filter(event_type=EventType.DELIVERABLE_UPLOADED).count() == 1


@pytest.mark.parametrize("url", ["ftp://files.example.com/x", "javascript:alert(1)", "not a url"])
def test_a_bad_link_is_refused(task, provider_manager, url):
    with pytest.raises(ApplicationError, match="valid http"):
        deliverable_add(task=task, actor=provider_manager, url=url)


def test_both_or_neither_is_refused(task, provider_manager):
    with pytest.raises(ApplicationError, match="either a file or a link"):
        deliverable_add(task=task, actor=provider_manager)
    with pytest.raises(ApplicationError, match="either a file or a link"):
        deliverable_add(
            task=task,
            actor=provider_manager,
            file=SimpleUploadedFile("r.pdf", PDF),
            url="https://example.com/r",
        )
    assert not Deliverable.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40, "not accepted"),
        ("archive.docx", None, "not a Word, Excel or PowerPoint"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00", "not accepted"),
        ("script.txt", b"text\x00with a NUL", "not accepted"),
    ],
)
def test_files_are_judged_by_content_not_name(task, provider_manager, _media, name, content, message):
    content = plain_zip() if content is None else content
    with pytest.raises(ApplicationError, match=message):
        deliverable_add(
            task=task, actor=provider_manager, file=SimpleUploadedFile(name, content, "application/pdf")
        )
    assert not Deliverable.objects.exists()
    assert not [p for p in _media.rglob("*") if p.is_file()]


def test_empty_and_oversized_files_are_refused(task, provider_manager, settings):
    with pytest.raises(ApplicationError, match="empty"):
        deliverable_add(task=task, actor=provider_manager, file=SimpleUploadedFile("e.pdf", b""))
    settings.KPO_MAX_UPLOAD_BYTES = 40
    with pytest.raises(ApplicationError, match="largest accepted is 40"):
        deliverable_add(
            task=task, actor=provider_manager, file=SimpleUploadedFile("big.pdf", PDF + b"x" * 10)
        )
    assert not Deliverable.objects.exists()


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("client_staff", PermissionDenied),
        ("client_sme", PermissionDenied),
        ("consultant_executive", PermissionDenied),
        ("other_provider_manager", PermissionDenied),
        ("other_client_staff", PermissionDenied),
        ("provider_manager", None),
        ("provider_analyst", None),
        ("operator", None),
    ],
)
def test_only_the_provider_side_delivers(task, personas, persona, error):
    actor = personas[persona]
    if error is None:
        assert deliverable_add(task=task, actor=actor, url="https://example.com/d").pk
    else:
        with pytest.raises(error):
            deliverable_add(task=task, actor=actor, url="https://example.com/d")
        assert not Deliverable.objects.exists()


def test_an_analyst_delivers_only_on_their_own_task(world, provider_analyst):
    other = advance_task(world.task_ap_other, TaskStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        deliverable_add(task=other, actor=provider_analyst, url="https://example.com/d")


@pytest.mark.parametrize(
    ("status", "accepted"),
    [
        (TaskStatus.READY, False),
        (TaskStatus.IN_PROGRESS, True),
        (TaskStatus.ON_HOLD, False),
        (TaskStatus.DELIVERED, True),
        (TaskStatus.REWORK_REQUESTED, True),
        (TaskStatus.ACCEPTED, False),
        (TaskStatus.CANCELLED, False),
    ],
)
def test_delivering_needs_a_working_status(world, provider_manager, status, accepted):
    task = advance_task(world.task_ap_ready, status)
    if accepted:
        assert deliverable_add(task=task, actor=provider_manager, url="https://example.com/d").pk
    else:
        with pytest.raises(ApplicationError, match="Deliverables can be added"):
            deliverable_add(task=task, actor=provider_manager, url="https://example.com/d")


def test_a_failed_transaction_leaves_no_file_behind(task, provider_manager, _media, monkeypatch):
    import engagements.services.deliverable as module

    def explode(**kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr(module, "event_publish", explode)
    with pytest.raises(RuntimeError), transaction.atomic():
        deliverable_add(task=task, actor=provider_manager, file=SimpleUploadedFile("r.pdf", PDF))
    assert not Deliverable.objects.exists()
    assert not [p for p in _media.rglob("*") if p.is_file()]
