"""Test hook for crash tests: `POLICYQA_FAULT=<point>` kills the process with SIGKILL when a
write reaches that point (e.g. "after-vectors": vectors written, manifest not yet committed),
so the recovery sweep runs for real. Unset in normal use; costs one environment lookup."""

from __future__ import annotations

import os
import signal


def fault_point(name: str) -> None:
    if os.environ.get("POLICYQA_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
