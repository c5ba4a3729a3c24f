"""One error shape for the whole API (drf-standardized-errors), including the domain
``ValidationError``s that services raise: a 400 with field paths, never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import exception_handler as standard_handler
from rest_framework import exceptions

from probation.access import RecordsLocked


def exception_handler(exc, context):
    if isinstance(exc, RecordsLocked):
        exc = exceptions.PermissionDenied(
            f"You cannot open offender records: {exc.status.reason}",
            code=f"vetting_{exc.status.code.lower()}",
        )
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    return standard_handler(exc, context)
