"""Saving a contract year with its unpaid-work bands, service levels and rate card: one
audited transaction, shared by the contract pages (``contracts.forms.ContractEditor``) and
the API (``contracts.api``). Refusals are ``django.core.exceptions.ValidationError``s naming
the field, which each caller shows its own way."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from contracts.models import (
    CONTRACT_FIGURES,
    Contract,
    RateCardItem,
    RateCardOrder,
    ServiceLevel,
)
from probation import audit
from probation.models import Organisation


def _fields(data: dict) -> dict:
    fields = {name: data[name] for name in CONTRACT_FIGURES}
    fields |= {"start_date": data["start_date"], "end_date": data["end_date"]}
    fields["wav_weights"] = data["wav_weights"]
    return fields


def _as_stored(model, row: dict) -> dict:
    """Decimals at the column's places, as the database gives them back, so an unchanged
    figure compares (and audits) as unchanged."""
    stored = dict(row)
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DecimalField) and stored.get(field.name) is not None:
            stored[field.name] = Decimal(stored[field.name]).quantize(
                Decimal(1).scaleb(-field.decimal_places)
            )
    return stored


def _same_numbers(old, new) -> bool:
    """JSON figures (weights, bands) equal as numbers: "1.0" and "1" are the same weight."""

    def numbers(value):
        if isinstance(value, dict):
            return {k: numbers(v) for k, v in value.items()}
        if isinstance(value, list):
            return [numbers(v) for v in value]
        if isinstance(value, str):
            try:
                return Decimal(value)
            except ArithmeticError:
                return value
        return value

    return numbers(old) == numbers(new)


@transaction.atomic
def contract_save(
    *,
    actor,
    contract_id: int | None,
    figures: dict,
    bands: list,
    service_levels: list[dict],
    rate_card: list[dict],
) -> Contract:
    """Add a contract year (``contract_id`` None) or change one, with its bands, service
    levels and rate card: one transaction, the contract row locked while it changes, every
    row audited, ``updated_by`` the actor. A CRC's second contract for a year, or for a
    start date, is refused (``ValidationError`` naming the field), as is removing a rate
    card item that has orders."""
    fields = _as_stored(Contract, _fields(figures) | {"upw_bands": bands})
    if contract_id is None:
        crc = Organisation.objects.crcs().get(code=figures["crc"])
        fields |= {"crc": crc, "year": figures["year"], "updated_by": actor}
        _refuse_duplicates(crc, figures["year"], fields["start_date"], None)
        try:
            with transaction.atomic():
                contract = Contract.objects.create(**fields)
        except IntegrityError:
            raise ValidationError(
                {"year": f"{crc.name} already has a contract for that year"}
            ) from None
        audit.record_create(actor=actor, instance=contract)
    else:
        contract = Contract.objects.select_for_update().get(pk=contract_id)
        _refuse_duplicates(contract.crc, contract.year, fields["start_date"], contract.pk)
        before = audit.snapshot(contract)
        changed = {
            name: value
            for name, value in fields.items()
            if not (
                _same_numbers(getattr(contract, name), value)
                if name in ("wav_weights", "upw_bands")
                else getattr(contract, name) == value
            )
        }
        if changed:
            for name, value in (changed | {"updated_by": actor}).items():
                setattr(contract, name, value)
            contract.save()
            audit.record_update(actor=actor, instance=contract, before=before)
    save_service_levels(contract, service_levels, actor)
    save_rate_card(contract, rate_card, actor)
    return contract


def _refuse_duplicates(crc, year, start_date, own_pk) -> None:
    others = Contract.objects.filter(crc=crc).exclude(pk=own_pk)
    if others.filter(year=year).exists():
        raise ValidationError({"year": f"{crc.name} already has a contract for year {year}"})
    if others.filter(start_date=start_date).exists():
        raise ValidationError(
            {"start_date": f"{crc.name} already has a contract starting {start_date:%-d %B %Y}"}
        )


def _save_rows(contract, model, key: str, rows: list[dict], actor, *, order=None) -> None:
    """Make the contract's rows of ``model`` (keyed by ``key``) exactly ``rows``: change the
    ones kept, add the new, remove the rest; each audited."""
    existing = {getattr(r, key): r for r in model.objects.filter(contract=contract)}
    wanted = {row[key]: _as_stored(model, row) for row in rows}
    for gone in [r for k, r in existing.items() if k not in wanted]:
        pk = gone.pk
        gone.delete()
        audit.record_delete(actor=actor, instance=gone, pk=pk)
    for value, row in sorted(wanted.items(), key=order or (lambda kv: 0)):
        current = existing.get(value)
        if current is None:
            created = model.objects.create(contract=contract, **row)
            audit.record_create(actor=actor, instance=created)
            continue
        if all(getattr(current, name) == value for name, value in row.items()):
            continue
        before = audit.snapshot(current)
        for name, field_value in row.items():
            setattr(current, name, field_value)
        current.save()
        audit.record_update(actor=actor, instance=current, before=before)


def save_service_levels(contract, rows, actor) -> None:
    rows = [
        {"code": r["code"], "target": r["target"], "credit_share": r["credit_share"]} for r in rows
    ]
    _save_rows(contract, ServiceLevel, "code", rows, actor)


def save_rate_card(contract, rows, actor) -> None:
    rows = [
        {
            "service": r["service"],
            "name": r["name"],
            "unit": r["unit"],
            "price": r["price"],
            "attendance_centre": bool(r.get("attendance_centre")),
        }
        for r in rows
    ]
    kept = {r["service"] for r in rows}
    ordered = (
        RateCardOrder.objects.filter(item__contract=contract)
        .exclude(item__service__in=kept)
        .values_list("item__service", flat=True)
        .distinct()
    )
    if ordered:
        raise ValidationError(
            "A rate card item with orders cannot be removed: " + ", ".join(sorted(ordered))
        )
    # The attendance-centre price moves from one item to another: clear it first.
    _save_rows(
        contract,
        RateCardItem,
        "service",
        rows,
        actor,
        order=lambda kv: kv[1]["attendance_centre"],
    )
