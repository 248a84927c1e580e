"""Errors a service raises for a user to read."""


class ApplicationError(Exception):
    """A refused business action, with a message a user can read.

    Views turn it into a form or page error, the API into a 400/409 with the message.
    """

    status_code = 400

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class PermissionDenied(ApplicationError):
    """The actor may see the object but may not do this to it."""

    status_code = 403


class StaleVersion(ApplicationError):
    """The caller acted on an out-of-date copy; reload and try again."""

    status_code = 412


class IllegalTransition(ApplicationError):
    """The requested status change is not allowed from the current status."""

    status_code = 409
