"""Signals other apps listen to, so the core records need not know them.

``provider_changed`` is sent, inside the transaction and under the person's row lock,
whenever the provider responsible for a person (or their home LDU) changes: allocation and
reallocation (``allocation.services.hand_over``), a transfer between CPAs
(``probation.transfers``) and a risk escalation confirmed high (``enforcement.escalations``).
Through the Gate listens: who writes, receives and leads a prisoner's resettlement follows
the allocation (``resettlement.custody``).
"""

from django.dispatch import Signal

# Keyword arguments: actor (User), person (Person, saved), at (datetime).
provider_changed = Signal()
