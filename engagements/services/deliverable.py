"""Writes of deliverables: a file (type checked by its content) or a link attached to a task delivery."""

import hashlib
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, PermissionDenied
from kpo.events.choices import EventType
from kpo.events.services import event_publish

from ..choices import TaskStatus
from ..models import Deliverable, Task
from ..selectors import engagement_roles

# Delivering makes sense while the work is under way or was sent back, and extra files may join a
# delivery that awaits review; a draft, ready, paused or closed task takes none.
DELIVERABLE_STATUSES = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.REWORK_REQUESTED, TaskStatus.DELIVERED})

# Office Open XML: the zip's first-level folder names the kind of document.
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
_TEXT_SAMPLE_BYTES = 64 * 1024
_URL_MAX_LENGTH = Deliverable._meta.get_field("url").max_length
_NAME_MAX_LENGTH = Deliverable._meta.get_field("original_name").max_length
ACCEPTED_TYPES_TEXT = "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), CSV or plain text, PNG, JPEG"


def _looks_like_text(sample: bytes, *, truncated: bool) -> bool:
    """UTF-8 (or plain ASCII) text without control bytes other than tab, newline, carriage return."""
    if b"\x00" in sample:
        return False
    if sample.startswith(b"\xef\xbb\xbf"):
        sample = sample[3:]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A sample cut in the middle of a multi-byte character at its end is still text.
        if not (truncated and error.start >= len(sample) - 3):
            return False
        text = sample[: error.start].decode("utf-8")
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text)


def deliverable_detect_type(file: UploadedFile) -> tuple[str, str]:
    """(content type, extension) from the file's first bytes; ApplicationError for anything else.

    The client's declared content type and the file name are not trusted: a renamed executable is refused.
    """
    file.seek(0)
    head = file.read(_TEXT_SAMPLE_BYTES)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            for prefix, kind in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
        raise ApplicationError(
            _("This zip archive is not a Word, Excel or PowerPoint document. Accepted types: %(types)s.")
            % {"types": ACCEPTED_TYPES_TEXT}
        )
    truncated = len(head) == _TEXT_SAMPLE_BYTES
    if head and _looks_like_text(head, truncated=truncated):
        name = (file.name or "").lower()
        if name.endswith(".csv"):
            return "text/csv", ".csv"
        return "text/plain", ".txt"
    raise ApplicationError(
        _("This file type is not accepted. Accepted types: %(types)s.") % {"types": ACCEPTED_TYPES_TEXT}
    )


def _check_actor(*, task: Task, actor: User) -> None:
    """The provider side delivers: the provider's manager, or the analyst the task is assigned to."""
    if is_operator(actor):
        return
    roles = engagement_roles(actor, task.engagement)
    if not roles:
        raise PermissionDenied(_("You do not have access to this task."))
    if Role.PROVIDER_MANAGER in roles:
        return
    if Role.PROVIDER_ANALYST in roles and task.assignee is not None and task.assignee.user_id == actor.pk:
        return
    raise PermissionDenied(
        _("Only the provider's manager or the analyst assigned to this task may add deliverables.")
    )


def _check_url(url: str) -> str:
    url = url.strip()
    if len(url) > _URL_MAX_LENGTH:
        raise ApplicationError(_("A link may be at most %(max)d characters long.") % {"max": _URL_MAX_LENGTH})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ApplicationError(_("Enter a valid http:// or https:// link.")) from None
    return url


def _digest(file: UploadedFile) -> str:
    sha = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        sha.update(chunk)
    file.seek(0)
    return sha.hexdigest()


def deliverable_add(
    *, task: Task, actor: User, file: UploadedFile | None = None, url: str = ""
) -> Deliverable:
    """Attach a file or a link to a task's delivery.

    Guards: the actor delivers for the provider (manager, assigned analyst, operator); the task is in
    progress, sent back for rework or delivered; exactly one of a file or a link; a file is at most
    KPO_MAX_UPLOAD_BYTES, non-empty, and of an accepted type judged by its content. The file is stored
    under a server-generated name; its sha256, size, detected type and original name are recorded. The
    row, its audit entry and the `deliverable.uploaded` event are written in one transaction; a stored
    file whose transaction fails is removed again.
    """
    url = (url or "").strip()
    if (file is None) == (not url):
        raise ApplicationError(_("Attach either a file or a link, not both and not neither."))
    content_type = extension = sha256 = ""
    size = 0
    original_name = ""
    if file is not None:
        size = file.size or 0
        if size <= 0:
            raise ApplicationError(_("The file is empty."))
        if size > settings.KPO_MAX_UPLOAD_BYTES:
            raise ApplicationError(
                _("The file is %(size)s; the largest accepted is %(max)s.")
                % {"size": filesizeformat(size), "max": filesizeformat(settings.KPO_MAX_UPLOAD_BYTES)}
            )
        content_type, extension = deliverable_detect_type(file)
        sha256 = _digest(file)
        original_name = (file.name or "").replace("\\", "/").rsplit("/", 1)[-1][:_NAME_MAX_LENGTH] or (
            "upload" + extension
        )
    else:
        url = _check_url(url)

    stored_name = ""
    try:
        with transaction.atomic():
            locked = (
                Task.objects.select_for_update(of=("self",))
                .select_related("engagement__client", "engagement__provider", "assignee")
                .get(pk=task.pk)
            )
            _check_actor(task=locked, actor=actor)
            if locked.status not in DELIVERABLE_STATUSES:
                allowed = ", ".join(str(TaskStatus(s).label) for s in sorted(DELIVERABLE_STATUSES))
                raise ApplicationError(
                    _("Deliverables can be added to a task that is %(allowed)s; this one is “%(status)s”.")
                    % {"allowed": allowed, "status": TaskStatus(locked.status).label}
                )
            deliverable = Deliverable(
                task=locked,
                url=url,
                original_name=original_name,
                content_type=content_type,
                size_bytes=size,
                sha256=sha256,
                uploaded_by=actor,
            )
            if file is not None:
                file.seek(0)
                # upload_to makes the stored name (uuid + the extension of the *detected* type).
                deliverable.file.save(f"upload{extension}", file, save=False)
                stored_name = deliverable.file.name
            deliverable.save()
            audit_record(
                actor=actor,
                action="deliverable.uploaded",
                obj=deliverable,
                changes={
                    "task": locked.pk,
                    "original_name": original_name,
                    "url": url,
                    "size_bytes": size,
                    "content_type": content_type,
                    "sha256": sha256,
                },
            )
            event_publish(
                event_type=EventType.DELIVERABLE_UPLOADED,
                engagement=locked.engagement,
                actor=actor,
                payload={
                    "task_id": locked.pk,
                    "task_title": locked.title,
                    "task_url": locked.get_absolute_url(),
                    "engagement_id": locked.engagement_id,
                    "deliverable_id": deliverable.pk,
                    "original_name": original_name,
                    "url": url,
                    "content_type": content_type,
                    "size_bytes": size,
                    "sha256": sha256,
                    "assignee_user_id": locked.assignee.user_id if locked.assignee else None,
                },
            )
    except BaseException:
        if stored_name:
            Deliverable._meta.get_field("file").storage.delete(stored_name)
        raise
    return deliverable


__all__ = ["ACCEPTED_TYPES_TEXT", "DELIVERABLE_STATUSES", "deliverable_add", "deliverable_detect_type"]
