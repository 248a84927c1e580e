"""Fixtures of the recruiting and matching tests: a media folder per test, files, candidates."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from providers.choices import CandidateSource, CandidateStage
from providers.models import Candidate

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def make_candidate(db):
    """`make_candidate(recruiter=..., provider=..., stage=...)` writes a row directly (for read tests)."""

    def _make(*, provider, recruiter=None, stage=CandidateStage.SOURCED, full_name="Meera Iyer", **fields):
        fields.setdefault("source", CandidateSource.REFERRAL)
        return Candidate.objects.create(
            full_name=full_name, provider=provider, recruiter=recruiter, stage=stage, **fields
        )

    return _make


@pytest.fixture
def candidate_p(world, consultant_recruiter, make_candidate):
    """A candidate of the recruiter persona, for provider P, in the sourced stage."""
    return make_candidate(provider=world.provider_p, recruiter=consultant_recruiter, skills="legal research")


@pytest.fixture
def other_recruiter(consultancy):
    from kpo.accounts.choices import Role
    from tests.factories import make_member

    return make_member(
        consultancy, Role.CONSULTANT_RECRUITER, email="recruiter2@meridian.example", full_name="Rex Recruiter"
    )
