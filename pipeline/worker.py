"""A worker process: reads paths from the parent, sends back one result per path.

Started by `pipeline.execute` as `python -m pipeline.worker READ_FD WRITE_FD MEMORY_LIMIT TARGET`
with two inherited pipe ends; TARGET is the function run on each path, `module:function`
(`pipeline.process:process_path`; tests substitute one that misbehaves on purpose). It is a plain
subprocess, not a multiprocessing child, so it can be started from anywhere, including a
(daemonic) Dask worker, and killed without harming its parent.

Messages are pickles framed by `multiprocessing.connection.Connection`:
parent -> worker: a path (str), or None to stop.
worker -> parent: "ready" once imported; then per path "start", and (DocResult, seconds,
peak_rss_bytes) when done.
"""
from __future__ import annotations

import gc
import importlib
import os
import resource
import signal
import sys
import time
from multiprocessing.connection import Connection


def limit_memory(limit_bytes: int) -> None:
    """Cap this process's address space, so a runaway document raises MemoryError here."""
    if limit_bytes <= 0:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, hard))


def die_with_parent() -> None:
    """Linux: have the kernel kill this worker when the process that started it dies, so a worker
    busy with a stuck document does not outlive a run that was killed."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def peak_rss() -> int:
    """Peak resident memory of this process, in bytes. On Linux VmHWM, because ru_maxrss also counts
    the memory of the parent at the fork that started this process."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def serve(conn_in: Connection, conn_out: Connection, memory_limit: int, target: str) -> None:
    die_with_parent()
    module, _, name = target.partition(":")
    process_path = getattr(importlib.import_module(module), name)  # imported before the memory cap
    limit_memory(memory_limit)
    # The stages make no reference cycles, but allocate many small containers: the default
    # thresholds ran the cycle collector every few hundred of them, over the imported modules
    # too. Frozen start-up objects are never scanned; a collection still comes every 50,000.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    conn_out.send("ready")  # start-up is over; it is not counted in a document's time limit
    while True:
        try:
            path = conn_in.recv()
        except EOFError:  # the parent went away
            return
        if path is None:
            return
        conn_out.send("start")  # the parent starts this document's clock now
        t0 = time.perf_counter()
        result = process_path(path, memory_limit=memory_limit)
        conn_out.send((result, time.perf_counter() - t0, peak_rss()))


def main(argv: list[str]) -> int:
    from pipeline.cli import quiet_libraries

    quiet_libraries()  # a worker is a program of its own: it does what the command line does
    read_fd, write_fd, memory_limit = (int(a) for a in argv[:3])
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False), memory_limit, argv[3])
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Nothing is left to flush (results went out through the pipe, stdout is /dev/null), and
    # tearing down a warm interpreter took ~30 ms at the end of every run.
    os._exit(code)
