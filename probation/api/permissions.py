from rest_framework.permissions import IsAuthenticated


class ScopedAccess(IsAuthenticated):
    """Signed in (session) or a partner system (token). Which records a caller sees and
    changes is decided by ``probation.access`` inside each view, answering 404 outside
    scope."""
