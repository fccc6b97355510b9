"""Celery tasks of quality planning."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def remind_risk_reviews():
    """Daily (beat): e-mail the owners of risks due for review within seven days or overdue.
    Idempotent: a risk is reminded at most once a day, however often this runs."""
    return services.risk_reminders_send()
