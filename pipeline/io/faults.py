"""Named points in a run where tests inject a crash, a pause or a failure (inert unless an env var is set).

- `NEWSETL_TEST_CRASH_AT=<point>`: SIGKILL at that point (a real crash: no `finally`, no `atexit`).
- `NEWSETL_TEST_PAUSE_AT=<point>:<seconds>`: sleep there, so a test can start a second run while the
  first holds its lock.
- `NEWSETL_TEST_FAIL_ONCE_AT=<point>@<marker file>`: raise there the first time only (it creates
  the marker), as a task that fails once and is retried.

Read from the environment on purpose: the hook must reach a run started by the real CLI or by
Airflow without a parameter users could set.
"""

from __future__ import annotations

import os
import signal
import time

CRASH_ENV = "NEWSETL_TEST_CRASH_AT"
PAUSE_ENV = "NEWSETL_TEST_PAUSE_AT"
FAIL_ONCE_ENV = "NEWSETL_TEST_FAIL_ONCE_AT"


class InjectedFault(RuntimeError):
    """The failure a test asked for."""


def reach(point: str) -> None:
    """Mark that the run reached `point`: crash or pause here when a test asked for it."""
    if os.environ.get(CRASH_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get(PAUSE_ENV, "")
    name, _, seconds = pause.rpartition(":")
    if name == point:
        time.sleep(float(seconds))
    name, _, marker = os.environ.get(FAIL_ONCE_ENV, "").partition("@")
    if name == point and marker and not os.path.exists(marker):
        open(marker, "w").close()
        raise InjectedFault(f"injected failure at {point} (first attempt only)")
