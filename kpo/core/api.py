"""What every app's REST API shares: error responses, strict input, ETags, pagination, throttles, schema.

Errors: every refusal is JSON with a readable `detail`, a machine `code`, and for validation errors the
messages per field under `errors`, e.g.

    409 {"detail": "A task cannot go from “Ready” to “Accepted”. Allowed next: In progress, Cancelled.",
         "code": "illegal_transition", "allowed": ["in_progress", "cancelled"]}
    400 {"detail": "hours: Ensure this value is less than or equal to 24.", "code": "invalid",
         "errors": {"hours": ["Ensure this value is less than or equal to 24."]}}
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .exceptions import ApplicationError, IllegalTransition, PermissionDenied, StaleVersion
from .pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NewestFirstCursorPagination, PagePagination

# --- errors --------------------------------------------------------------------------------------

_CODES = {
    IllegalTransition: "illegal_transition",
    StaleVersion: "stale_version",
    PermissionDenied: "permission_denied",
}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy("This write needs an If-Match header with the ETag you last read.")
    default_code = "precondition_required"


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {field path: [messages]} (non-field errors under `non_field_errors`)."""
    flat: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                flat.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, []).extend(
                    force_str(item) for item in value
                )
            else:
                for index, item in enumerate(value):
                    walk(item, f"{path}.{index}" if path else str(index))
        else:
            flat.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, []).append(force_str(value))

    walk(detail, "")
    return flat


def _summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        text = " ".join(messages)
        parts.append(text if field == api_settings.NON_FIELD_ERRORS_KEY else f"{field}: {text}")
    return " ".join(parts) or _("Invalid input.")


def api_exception_handler(exc, context):
    """ApplicationError → its status with the service's message; validation → 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): [
                    force_str(m) for m in messages
                ]
                for key, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: [force_str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": _CODES.get(type(exc), "refused"), **exc.extra}
        return Response(body, status=exc.status_code)
    from rest_framework.views import exception_handler as drf_exception_handler  # imports our throttles

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": _summary(errors), "code": "invalid", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, Http404):
            code = "not_found"
        elif isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            code = codes.get("detail", code) if isinstance(codes, dict) else codes
        response.data = {"detail": force_str(response.data["detail"]), "code": str(code)}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response.data["retry_after_seconds"] = int(exc.wait + 0.999)
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, for a person to read."))
    code = serializers.CharField(help_text=gettext_lazy("A stable machine code, e.g. `stale_version`."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("Validation messages per field (400 only)."),
    )
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=gettext_lazy("The statuses the task may move to now (409 only)."),
    )
    current_version = serializers.IntegerField(
        required=False, help_text=gettext_lazy("The task's current version (412 only).")
    )
    retry_after_seconds = serializers.IntegerField(required=False, help_text=gettext_lazy("429 only."))


# --- strict input --------------------------------------------------------------------------------


class StrictFieldsMixin:
    """Refuse input naming fields the serializer does not accept (a typo is an error, not a no-op)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("Unknown field. Accepted fields: %(fields)s.")
                            % {"fields": ", ".join(sorted(writable)) or "-"}
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """An input serializer refusing unknown fields."""


# --- list fast paths ----------------------------------------------------------------------------


def iso_datetime(value, tz) -> str | None:
    """What DRF's DateTimeField writes (ISO 8601 in the active zone, `Z` for UTC), for hot loops: the
    field looks the active zone up again for every value; a list passes it once."""
    if value is None:
        return None
    text = timezone.localtime(value, tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --- optimistic concurrency: ETag / If-Match ----------------------------------------------------

_ETAG = re.compile(r'^\s*(?:W/)?"(?:(?P<id>\d+)-)?(?P<version>\d+)"\s*$')


def version_etag(obj) -> str:
    """The strong ETag of a versioned object: `"<id>-<version>"`."""
    return f'"{obj.pk}-{obj.version}"'


def if_match_version(request, obj, *, required: bool = True) -> int | None:
    """The version the caller read, from If-Match (`"<id>-<version>"`, or a bare `"<version>"`).

    Missing → 428 (when required). An ETag of another object, or unreadable, counts as stale (412).
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    if header == "*":
        raise PreconditionRequired(_("If-Match: * is not enough here; send the ETag you last read."))
    for candidate in header.split(","):
        match = _ETAG.match(candidate)
        if match and (match["id"] is None or int(match["id"]) == obj.pk):
            return int(match["version"])
    raise StaleVersion(
        _("The If-Match header does not name the current version of this object. Reload it and try again."),
        extra={"current_version": obj.version},
    )


# --- OpenAPI -------------------------------------------------------------------------------------

ERROR_EXAMPLES = {
    "400": OpenApiExample(
        "Invalid input",
        value={
            "detail": "hours: Ensure this value is less than or equal to 24.",
            "code": "invalid",
            "errors": {"hours": ["Ensure this value is less than or equal to 24."]},
        },
        response_only=True,
        status_codes=["400"],
    ),
    "401": OpenApiExample(
        "Not signed in",
        value={"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
        response_only=True,
        status_codes=["401"],
    ),
    "403": OpenApiExample(
        "Role may not",
        value={"detail": "Only the provider's manager may assign tasks.", "code": "permission_denied"},
        response_only=True,
        status_codes=["403"],
    ),
    "404": OpenApiExample(
        "Not found (or not yours)",
        value={"detail": "No Task matches the given query.", "code": "not_found"},
        response_only=True,
        status_codes=["404"],
    ),
    "409": OpenApiExample(
        "Illegal transition",
        value={
            "detail": "A task cannot go from “Ready” to “Accepted”. Allowed next: In progress, Cancelled.",
            "code": "illegal_transition",
            "allowed": ["in_progress", "cancelled"],
        },
        response_only=True,
        status_codes=["409"],
    ),
    "412": OpenApiExample(
        "Stale version",
        value={
            "detail": "This task changed since you loaded it (you had version 3, it is now version 4). "
            "Reload it and try again.",
            "code": "stale_version",
            "current_version": 4,
        },
        response_only=True,
        status_codes=["412"],
    ),
    "428": OpenApiExample(
        "If-Match missing",
        value={
            "detail": "This write needs an If-Match header with the ETag you last read.",
            "code": "precondition_required",
        },
        response_only=True,
        status_codes=["428"],
    ),
    "429": OpenApiExample(
        "Slow down",
        value={
            "detail": "Request was throttled. Expected available in 12 seconds.",
            "code": "throttled",
            "retry_after_seconds": 12,
        },
        response_only=True,
        status_codes=["429"],
    ),
}
ERROR_DESCRIPTIONS = {
    "400": gettext_lazy("Invalid input or a refused action; `errors` holds the messages per field."),
    "401": gettext_lazy("Not signed in: send a session cookie or `Authorization: Token <key>`."),
    "403": gettext_lazy("You may see this object but your role may not do this."),
    "404": gettext_lazy("No such object, or not one you may see."),
    "409": gettext_lazy("The task's status does not allow this move; `allowed` lists what does."),
    "412": gettext_lazy("If-Match names an old version: reload and try again."),
    "428": gettext_lazy("If-Match is required on this write."),
    "429": gettext_lazy("Too many requests; retry after the `Retry-After` header's seconds."),
}


class KpoAutoSchema(AutoSchema):
    """Adds the documented error responses to every operation.

    Views may set `schema_error_codes` (e.g. ["409", "412", "428"]) to add conflict responses.
    """

    def _error_codes(self) -> list[str]:
        codes = ["401", "429"]
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            codes.append("400")
        if self.method != "GET" or "{" in self.path or self._is_list_view():
            codes += ["403", "404"]  # a list's 404: a page number past the end
        if self.method != "GET":
            codes += list(getattr(self.view, "schema_error_codes", []))
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = str(ERROR_DESCRIPTIONS[code])
                responses[code] = response
        return responses

    def get_examples(self):
        examples = list(super().get_examples())
        return examples + [ERROR_EXAMPLES[code] for code in self._error_codes()]


def error_example(code: str) -> OpenApiExample:
    return ERROR_EXAMPLES[code]


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ErrorSerializer",
    "KpoAutoSchema",
    "NewestFirstCursorPagination",
    "PagePagination",
    "PreconditionRequired",
    "StrictFieldsMixin",
    "StrictSerializer",
    "api_exception_handler",
    "if_match_version",
    "status",
    "version_etag",
]
