"""``{% load deadlines %}``: business days to a workflow step's deadline, for the one
template that shows a deadline (``enforcement/_due.html``)."""

from django import template

from probation.workflow import business_days_left

register = template.Library()


@register.filter
def days_to(due_by):
    """Business days from today to ``due_by``: negative when overdue, None without one."""
    return business_days_left(due_by)


@register.filter
def negate(value):
    return -value
