"""Validation of a contract's figures, shared by the API serializers and the NOMS pages'
forms (issue 8 part 1): the WAV weights, the unpaid-work bands and the contract year's
dates. Each function returns the normalised value (decimals as strings, as the JSON
fields store them) or raises ``django.core.exceptions.ValidationError`` naming the item.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from contracts.models import StartType
from contracts.periods import add_months

ONE_DAY = datetime.timedelta(days=1)
# A weight has at most six decimal places and is below a million.
MAX_PLACES = 6
MAX_INTEGER_DIGITS = 6


def _non_negative_decimal(value, what: str) -> Decimal:
    """A finite decimal at or above 0 from a string or a number (never a bool or float
    noise: a float is read through its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(f"{what} must be a decimal number, not {value!r}.")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValidationError(f"{what} must be a decimal number, not {value!r}.") from None
    if not number.is_finite():
        raise ValidationError(f"{what} must be a finite number.")
    if number < 0:
        raise ValidationError(f"{what} must not be negative.")
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValidationError(f"{what} is too large: below 1,000,000.")
    if number.normalize().as_tuple().exponent < -MAX_PLACES:
        raise ValidationError(f"{what} has more than {MAX_PLACES} decimal places.")
    return number


def _text(number: Decimal) -> str:
    """A decimal as a plain string without exponent or trailing zeros (``"0.40"`` →
    ``"0.4"``, ``"1E+1"`` → ``"10"``)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def validate_wav_weights(value: dict) -> dict:
    """The WAV weight of each start type: exactly the five ``StartType`` keys, each a
    non-negative decimal → ``{type: "decimal string"}``."""
    if not isinstance(value, dict):
        raise ValidationError("WAV weights must be an object of start type to weight.")
    expected = set(StartType.values)
    unknown = sorted(str(key) for key in value if key not in expected)
    if unknown:
        raise ValidationError(
            f"Unknown start type: {', '.join(unknown)}. "
            f"The start types are {', '.join(StartType.values)}."
        )
    missing = [key for key in StartType.values if key not in value]
    if missing:
        raise ValidationError(f"Give a weight for every start type; missing: {', '.join(missing)}.")
    return {
        key: _text(_non_negative_decimal(value[key], f"The weight of {key}"))
        for key in StartType.values
    }


def validate_upw_bands(value: list) -> list:
    """Unpaid-work bands: a non-empty list of ``{"max_hours": int > 0 or None, "weight":
    decimal >= 0}``, ``max_hours`` strictly ascending, the last band (and only the last)
    open-ended (``None``) → the same list with weights as decimal strings."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Give at least one unpaid work band.")
    bands, previous = [], 0
    last = len(value) - 1
    for index, band in enumerate(value):
        what = f"Band {index + 1}"
        if not isinstance(band, dict):
            raise ValidationError(f"{what} must be an object with max_hours and weight.")
        extra = sorted(str(key) for key in band if key not in ("max_hours", "weight"))
        if extra:
            raise ValidationError(f"{what} has unknown fields: {', '.join(extra)}.")
        if "weight" not in band:
            raise ValidationError(f"{what} has no weight.")
        if "max_hours" not in band:
            raise ValidationError(f"{what} has no max_hours (null for the last band).")
        max_hours = band["max_hours"]
        if max_hours is None:
            if index != last:
                raise ValidationError(
                    f"{what} has no max_hours: only the last band may be open-ended."
                )
        else:
            if isinstance(max_hours, bool) or not isinstance(max_hours, int):
                raise ValidationError(f"{what}: max_hours must be a whole number of hours.")
            if max_hours <= 0:
                raise ValidationError(f"{what}: max_hours must be more than 0.")
            if index == last:
                raise ValidationError(
                    f"{what} is the last band: its max_hours must be null (no upper limit)."
                )
            if max_hours <= previous:
                raise ValidationError(
                    f"{what}: max_hours must be more than the previous band's ({previous})."
                )
            previous = max_hours
        weight = _non_negative_decimal(band["weight"], f"{what}'s weight")
        bands.append({"max_hours": max_hours, "weight": _text(weight)})
    return bands


def validate_contract_dates(start: datetime.date, end: datetime.date) -> None:
    """A contract year starts on a 1st and ends the day before the same date twelve months
    later."""
    if start is None or end is None:
        raise ValidationError("Give the contract year's start and end dates.")
    if start.day != 1:
        raise ValidationError({"start_date": "A contract year starts on the 1st of a month."})
    try:
        expected = add_months(start, 12) - ONE_DAY
    except (ValueError, OverflowError):
        raise ValidationError({"start_date": "Give a date before the year 9999."}) from None
    if end != expected:
        raise ValidationError(
            {"end_date": f"A contract year starting {start:%-d %B %Y} ends {expected:%-d %B %Y}."}
        )
