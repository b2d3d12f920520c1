"""The in-write kill of the crash tests (core/faults.py): once its timer has logged the stage a
write reached, the process never gets past that stage, so a log line always means a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# A write that ends the moment the timer has opened its log: without the stage lock, it could
# end and the process exit cleanly while the timer is still writing and syncing the log. The
# stage is set before the timer is armed: a timer firing before the write reached any stage
# (the machine busy) would find none, log nothing, and leave the writer waiting for the log.
WRITER = """
import os, sys
from pathlib import Path
from core.faults import stage, write_started
log = Path(os.environ["POLICYQA_FAULT_LOG"])
stage("vectors")
write_started()
while not log.exists():
    pass
stage("")
sys.exit(0)
"""


def test_a_logged_stage_is_always_followed_by_the_kill(tmp_path):
    for seed in range(5):
        log = tmp_path / f"kill{seed}.log"
        env = dict(os.environ, PYTHONPATH=str(ROOT), POLICYQA_FAULT=f"kill-in-write:0.01:{seed}",
                   POLICYQA_FAULT_LOG=str(log))
        done = subprocess.run([sys.executable, "-c", WRITER], env=env, timeout=60)
        assert done.returncode == -signal.SIGKILL
        assert log.read_text(encoding="utf-8") == "vectors\n"


def test_a_write_that_ends_before_its_timer_is_not_killed(tmp_path):
    log = tmp_path / "kill.log"
    script = ("import time\nfrom core.faults import stage, write_started\n"
              "write_started(); stage('vectors'); stage(''); time.sleep(0.3)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), POLICYQA_FAULT="kill-in-write:0.05:1",
               POLICYQA_FAULT_LOG=str(log))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert done.returncode == 0 and not log.exists()
