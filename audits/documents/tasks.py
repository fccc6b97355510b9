"""Daily jobs of controlled documents (Celery beat). Both only call a service and are
idempotent: running them twice on a day changes nothing more."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def send_document_review_reminders():
    """E-mail the reminders of periodic reviews due within 30 days or overdue (once a day)."""
    return services.document_review_reminders_send()


@shared_task(acks_late=True, ignore_result=True)
def take_documents_effective():
    """Make approved versions effective on their effective date (superseding the old ones)."""
    return len(services.documents_take_effect_due())
