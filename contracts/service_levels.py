"""Service level measures (DOMAIN.md 10; issue 8 part 4), computed each month per CRC and
per NPS division from the facts earlier parts record, each with its numerator, denominator
and the cases behind it.

TO BE BUILT (helper C):

MEASURES: dict[str, Measure] – code → name, group, description and a set-wise query.

def record_month(organisation, month, *, contract=None, run_part=None)
        -> list[ServiceLevelResult]
    Compute every measure for the organisation (a CRC, or an NPS division) for the month and
    store a ServiceLevelResult (with the contract's target when it has that service level)
    and its ServiceLevelCase rows. Idempotent: a result already stored for (organisation,
    month, code) is returned as it is, not computed again.
"""
