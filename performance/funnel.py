"""Funnel plots: comparing areas to find inconsistent practice (TOM 7.4; issue 9 part 3).

One pure function for the dashboard's funnel plots and ``POST /api/v1/calculations/funnel``,
so the two cannot disagree. For units (CRCs, NPS divisions or LDUs) each with a numerator
and a denominator n, around the pooled rate p0 = Σ numerators ÷ Σ denominators (or a target
rate when given), the control limits of a unit are

    p0 ± z · √(p0 (1 − p0) ÷ n), clipped to [0, 1],

with z = 1.959964 (95 %) and z = 3.090232 (99.8 %): the standard normal's two-sided
quantiles, ``scipy.stats.norm.ppf(0.975)`` and ``norm.ppf(0.999)`` to six places, as the
issue fixes them. A unit is flagged by strict inequalities: above the upper 99.8 % limit
``HIGH_ALERT``, else above the upper 95 % ``HIGH_WARNING``, below the lower 99.8 %
``LOW_ALERT``, below the lower 95 % ``LOW_WARNING``, otherwise ``WITHIN`` (a rate exactly on
a limit is within it).
"""

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.959964
Z_998 = 3.090232


class Flag(enum.StrEnum):
    HIGH_ALERT = "HIGH_ALERT"
    HIGH_WARNING = "HIGH_WARNING"
    WITHIN = "WITHIN"
    LOW_WARNING = "LOW_WARNING"
    LOW_ALERT = "LOW_ALERT"

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]

    @property
    def flagged(self) -> bool:
        return self is not Flag.WITHIN


FLAG_LABELS = {
    Flag.HIGH_ALERT: "High: above the 99.8% limit",
    Flag.HIGH_WARNING: "High: above the 95% limit",
    Flag.WITHIN: "Within the limits",
    Flag.LOW_WARNING: "Low: below the 95% limit",
    Flag.LOW_ALERT: "Low: below the 99.8% limit",
}


@dataclass(frozen=True)
class Unit:
    code: str
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Point:
    code: str
    numerator: int
    denominator: int
    rate: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    flag: Flag


@dataclass(frozen=True)
class Funnel:
    pooled_rate: float  # the centre line: the pooled rate, or the target when one was given
    target_rate: float | None
    points: list[Point]


class FunnelError(ValueError):
    """Figures a funnel cannot be drawn from; ``field`` names the figure at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def limits(p0: float, n: int, z: float) -> tuple[float, float]:
    """The (lower, upper) control limits at z for a unit of size n around p0."""
    half = z * math.sqrt(p0 * (1 - p0) / n)
    return _clip(p0 - half), _clip(p0 + half)


def flag(rate: float, lower_95: float, upper_95: float, lower_998: float, upper_998: float) -> Flag:
    if rate > upper_998:
        return Flag.HIGH_ALERT
    if rate > upper_95:
        return Flag.HIGH_WARNING
    if rate < lower_998:
        return Flag.LOW_ALERT
    if rate < lower_95:
        return Flag.LOW_WARNING
    return Flag.WITHIN


def funnel(units: Iterable[Unit], target_rate: float | None = None) -> Funnel:
    """The funnel of the units: each unit's rate, limits and flag. Raises FunnelError for a
    denominator of 0, a negative count or a numerator above its denominator (``field`` is
    e.g. ``units.2.denominator``), or a target outside 0–1."""
    units = list(units)
    for index, unit in enumerate(units):
        if unit.numerator < 0:
            raise FunnelError("Must be 0 or more.", f"units.{index}.numerator")
        if unit.denominator <= 0:
            raise FunnelError("Must be 1 or more.", f"units.{index}.denominator")
        if unit.numerator > unit.denominator:
            raise FunnelError("Must not be more than the denominator.", f"units.{index}.numerator")
    if target_rate is not None and not 0 <= target_rate <= 1:
        raise FunnelError("Must be between 0 and 1.", "target_rate")
    if target_rate is not None:
        p0 = float(target_rate)
    elif units:
        p0 = sum(u.numerator for u in units) / sum(u.denominator for u in units)
    else:
        p0 = 0.0
    points = []
    for unit in units:
        rate = unit.numerator / unit.denominator
        lower_95, upper_95 = limits(p0, unit.denominator, Z_95)
        lower_998, upper_998 = limits(p0, unit.denominator, Z_998)
        points.append(
            Point(
                code=unit.code,
                numerator=unit.numerator,
                denominator=unit.denominator,
                rate=rate,
                lower_95=lower_95,
                upper_95=upper_95,
                lower_998=lower_998,
                upper_998=upper_998,
                flag=flag(rate, lower_95, upper_95, lower_998, upper_998),
            )
        )
    return Funnel(
        pooled_rate=p0,
        target_rate=None if target_rate is None else float(target_rate),
        points=points,
    )


def curve(p0: float, n_max: int, z: float, steps: int = 60) -> list[tuple[int, float, float]]:
    """Points (n, lower, upper) of the limit lines from n = 1 to n_max, for drawing."""
    if n_max < 1:
        return []
    ns = sorted({max(1, round(n_max ** (i / steps))) for i in range(steps + 1)} | {n_max})
    return [(n, *limits(p0, n, z)) for n in ns]
