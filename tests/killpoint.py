"""Run `pipeline.run.run` in this process and SIGKILL it at its N-th change to the file system.

    python -m tests.killpoint STEP OUT [--force] [--batch N] PATH...

Every rename (os.replace) and every deletion (os.unlink, os.remove) counts as one step; at step
STEP the process kills itself with SIGKILL before that change is made, as the kernel's OOM killer
or `kill -9` would: no `finally`, no atexit, no flush, and its workers die with it. A run that
makes fewer changes than STEP finishes normally (exit 0) and prints how many it made, so a test
can try every point of a run (tests/test_kill.py).
"""
from __future__ import annotations

import argparse
import os
import signal


def arm(step: int) -> dict:
    calls = {"n": 0}

    def counted(real):
        def change(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == step:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        return change

    os.replace = counted(os.replace)
    os.unlink = counted(os.unlink)
    os.remove = counted(os.remove)  # pathlib's unlink calls os.unlink: counted there
    return calls


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("step", type=int)
    ap.add_argument("out")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--batch", type=int, default=1)
    a = ap.parse_args()
    from pipeline.run import run

    calls = arm(a.step)
    run(a.paths, a.out, workers=1, force=a.force, batch=a.batch)
    print(calls["n"])


if __name__ == "__main__":
    main()
