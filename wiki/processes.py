"""Child processes that end with their parent (server workers, privacy scanners).

A child blocked in accept() or on a task queue does not notice its parent's death, so without
this a parent stopped by SIGKILL would leave its children serving a port or holding 1.1 GB.
"""

from __future__ import annotations

import os
import threading
import time

PARENT_CHECK = 0.5  # seconds between checks that the parent is still there


def exit_with_parent(parent: int) -> None:
    """Exit this process (at once, without clean-up) once `parent`, the pid of the process
    that started it, is no longer its parent. The caller passes it, since a parent that
    already died would make os.getppid() here name another process."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)
