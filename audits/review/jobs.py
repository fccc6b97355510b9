"""The long jobs of the management review (found by ``qms.core.jobs`` in a worker process)."""

from . import report  # noqa: F401  (the ISO review report)
