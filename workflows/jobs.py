"""The long jobs of the work app (found by ``qms.core.jobs`` in a worker process)."""

from . import register  # noqa: F401  (Mẫu 06 export)
