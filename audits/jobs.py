"""The long jobs of the auditor's workspace (found by ``qms.core.jobs`` in a worker process)."""

from . import exports  # noqa: F401  (log search and record trail downloads)
