"""Errors a user can cause; every message is Chinese and fit to show as it is."""

from __future__ import annotations


class ServiceError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class ValidationFailed(ServiceError):
    """Field-level errors: {field name: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = dict(errors)
