"""The lock every flow of the project takes around a task's completion.

viewflow's default is no lock at all: two people completing the same task at the same moment
would both pass its status check and the process would fork. viewflow's
``select_for_update_lock`` locks the process row but with NOWAIT, so a busy moment turns into
``FlowLockFailed`` (a server error) after five tries. Ours waits for the row instead: the
second request then finds the task done and is refused with a clear message (403 page).
On SQLite ``SELECT … FOR UPDATE`` does nothing, but every transaction there is IMMEDIATE
(settings), which serialises writers the same way.
"""

from viewflow.workflow.lock import SelectForUpdateLock

process_row_lock = SelectForUpdateLock(nowait=False, attempts=1)
