"""A billing pass's spawned worker processes die with their parent, even when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PARENT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from prorata.subscriptions import pass_process

if __name__ == "__main__":
    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                               initializer=pass_process.init, initargs=(os.getpid(),))
    pids = sorted({pool.submit(os.getpid).result() for _ in range(8)})
    for _ in range(2):
        pool.submit(time.sleep, 600)
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (gone) parent's reaper is dead too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_spawned_pass_processes_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "prorata.settings", "PRORATA_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    children: list[int] = []
    try:
        line = parent.stdout.readline()
        children = [int(p) for p in line.split()]
        assert children and all(_alive(p) for p in children)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        for _ in range(200):
            if not any(_alive(p) for p in children):
                break
            time.sleep(0.1)
        assert not any(_alive(p) for p in children), "orphaned pass processes outlived their parent"
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
