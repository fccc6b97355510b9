"""Hooks the integration suite installs in its worker process (never in production).

To kill a worker *in the middle of* a task deterministically, the first run of a chosen task
pauses at a known point and leaves a marker file; the test waits for the marker, kills the
worker with SIGKILL, starts a new one, and checks that the redelivered task finished exactly
once. Only active when ``QMS_INTEGRATION_PAUSE`` names what to pause (set by the test for the
worker it means to kill).
"""

import os
import time
from pathlib import Path

_installed = False


def _pause_here(point: str) -> None:
    """Pause for a minute at ``point`` the first time this run reaches it."""
    if os.environ.get("QMS_INTEGRATION_PAUSE") != point:
        return
    marker = Path(os.environ["QMS_INTEGRATION_MARKER"])
    if marker.exists():
        return  # the redelivered run goes straight through
    marker.write_text(str(os.getpid()))
    time.sleep(60)


def _install(**_):
    global _installed
    if _installed or not os.environ.get("QMS_INTEGRATION_PAUSE"):
        return
    _installed = True
    from qms.core import jobs

    for kind, handler in list(jobs.HANDLERS.items()):

        def paused(job, progress, _handler=handler, _kind=kind):
            # Die once the work is done but not yet saved (the last progress report, >= 90 %).
            def report(percent, message=""):
                progress(percent, message)
                if percent >= 90:
                    _pause_here(f"job:{_kind}")

            return _handler(job, report)

        jobs.HANDLERS[kind] = paused

    from qms.core import notifications

    original_notify = notifications.notify
    count = {"n": 0}

    def notify(**kwargs):
        created = original_notify(**kwargs)
        count["n"] += 1
        if count["n"] == 2:  # after the second reminder of the scan
            _pause_here("reminders")
        return created

    notifications.notify = notify


def connect() -> None:
    from celery import signals

    signals.task_prerun.connect(_install, weak=False)
