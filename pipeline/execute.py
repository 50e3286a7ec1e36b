"""execute: run `process_path` over many files on isolated worker processes, locally or on Dask.

Each document runs in a worker subprocess (`pipeline.worker`) that the parent can kill. A
document that runs past the time limit, or whose worker dies (killed, segfault, out of memory),
costs only that document: it comes back as an `Outcome` with an error, the worker is replaced,
and the run goes on. At most one document per worker is in flight, so memory does not grow with
the number of files, and results come back as they finish (unordered).

With Dask, each Dask task hands its document to such a worker subprocess kept by the Dask
worker thread, so the time limit and crash isolation hold there too.
"""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.records import DocumentError
from pipeline.write import DocResult

GiB = 1024**3
DEFAULT_TIMEOUT = 120.0  # seconds per document
DEFAULT_MEMORY_LIMIT = 2 * GiB  # address space per worker process
TARGET = "pipeline.run:process_path"  # what a worker runs on each path
STARTUP_LIMIT = 120.0  # seconds a new worker may take to import the pipeline (not counted as --timeout)
_ROOT = str(Path(__file__).resolve().parents[1])  # so a worker imports this same checkout


@dataclass(frozen=True)
class Outcome:
    """What became of one document: its result, or why it was lost (timeout, worker_died)."""

    path: str
    result: DocResult | None
    error: DocumentError | None = None
    seconds: float = 0.0
    peak_rss: int | None = None  # bytes, of the worker that ran it


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


class _Worker:
    """One `python -m pipeline.worker` subprocess and the two pipe ends the parent keeps."""

    def __init__(self, memory_limit: int, target: str):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline.worker", str(to_r), str(from_w), str(memory_limit), target],
                pass_fds=(to_r, from_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except BaseException:
            os.close(to_w)
            os.close(from_r)
            raise
        finally:
            os.close(to_r)
            os.close(from_w)
        self.send = Connection(to_w, readable=False)
        self.recv = Connection(from_r, writable=False)
        self.path: str | None = None
        self.ready = False  # has said "ready" (imports done)
        self.started = time.monotonic()  # the clock of the current document (or of the start-up)

    def start(self, path: str) -> None:
        self.path = path
        if self.ready:
            self.started = time.monotonic()
        self.send.send(path)  # a starting worker finds it in the pipe once ready

    def deadline(self, timeout: float | None) -> float:
        if not self.ready:
            return self.started + STARTUP_LIMIT
        return self.started + timeout if timeout is not None else float("inf")

    def exit_detail(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        if code is not None and code < 0:
            how = f"was killed by {_signal_name(code)}"
            if code == -signal.SIGKILL:
                how += " (by the system for lack of memory, or by hand)"
            elif code == -signal.SIGSEGV:
                how += " (a crash in native code)"
        else:
            how = f"exited with status {code}"
        return f"the worker process {how} while processing this document"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.close()

    def stop(self) -> None:
        """Ask an idle worker to exit; kill it if it does not."""
        try:
            self.send.send(None)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.close()

    def close(self) -> None:
        self.send.close()
        self.recv.close()


class LocalPool:
    """Worker subprocesses with a per-document time limit; a dead worker is replaced."""

    def __init__(
        self,
        workers: int,
        timeout: float | None = DEFAULT_TIMEOUT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        target: str = TARGET,
    ):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.workers = workers
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.target = target
        self._idle: list[_Worker] = []

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        while self._idle:
            self._idle.pop().stop()

    def _assign(self, path: str) -> _Worker:
        while self._idle:
            w = self._idle.pop()
            try:
                w.start(path)
                return w
            except OSError:  # the idle worker died meanwhile
                w.kill()
        w = _Worker(self.memory_limit, self.target)
        w.start(path)
        return w

    def run_one(self, path: str) -> Outcome:
        return next(iter(self.imap_unordered([path])))

    def imap_unordered(self, paths: Iterable[str]) -> Iterator[Outcome]:
        pending = iter(paths)
        busy: list[_Worker] = []
        exhausted = False
        try:
            while True:
                while not exhausted and len(busy) < self.workers:
                    path = next(pending, None)
                    if path is None:
                        exhausted = True
                    else:
                        busy.append(self._assign(path))
                if not busy:
                    return
                wait_for = max(0.0, min(w.deadline(self.timeout) for w in busy) - time.monotonic())
                ready = wait([w.recv for w in busy], timeout=min(wait_for, 3600.0))
                for w in [w for w in busy if w.recv in ready]:
                    if not w.ready:
                        try:
                            w.recv.recv()  # "ready"
                            w.ready, w.started = True, time.monotonic()
                            continue
                        except (EOFError, OSError):
                            pass  # died while starting: _collect reports it
                    busy.remove(w)
                    yield self._collect(w)
                now = time.monotonic()
                for w in [w for w in busy if now >= w.deadline(self.timeout)]:
                    busy.remove(w)
                    w.kill()
                    if w.ready:
                        detail = f"still running after {self.timeout:g} s (--timeout); the worker was stopped"
                    else:
                        detail = f"a worker process did not start within {STARTUP_LIMIT:g} s"
                    yield Outcome(w.path, None, DocumentError("timeout", detail), seconds=now - w.started)
        finally:
            for w in busy:  # the consumer stopped early or failed: nothing may outlive the run
                w.kill()

    def _collect(self, w: _Worker) -> Outcome:
        try:
            result, seconds, rss = w.recv.recv()
        except (EOFError, OSError):
            detail = w.exit_detail()
            w.close()
            return Outcome(w.path, None, DocumentError("worker_died", detail), seconds=time.monotonic() - w.started)
        self._idle.append(w)
        return Outcome(w.path, result, None, seconds, rss)


# --- Dask -----------------------------------------------------------------------------------

_local = threading.local()


def _dask_task(path: str, timeout: float | None, memory_limit: int, target: str) -> Outcome:
    """Runs on a Dask worker thread: the document goes to this thread's own worker subprocess."""
    pool = getattr(_local, "pool", None)
    if pool is None or (pool.timeout, pool.memory_limit, pool.target) != (timeout, memory_limit, target):
        if pool is not None:
            pool.close()
        pool = _local.pool = LocalPool(1, timeout, memory_limit, target)
    return pool.run_one(path)


def dask_outcomes(
    paths: Iterable[str],
    workers: int,
    scheduler: str | None,
    timeout: float | None,
    memory_limit: int,
    target: str = TARGET,
) -> Iterator[Outcome]:
    """Documents on a Dask cluster (a local one unless `scheduler` is given), a bounded number in flight."""
    import dask
    from distributed import Client, LocalCluster, as_completed
    from distributed.scheduler import KilledWorker

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # a document that kills its Dask worker is not retried on another one: it is lost once
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        in_flight = 2 * max(1, sum(client.nthreads().values()))
        futures = as_completed()
        path_of: dict[str, str] = {}
        it = iter(paths)
        run_id = uuid.uuid4().hex[:8]
        numbers = itertools.count()

        def submit() -> None:
            path = next(it, None)
            if path is not None:
                key = f"cnbudget-{run_id}-{next(numbers)}"
                path_of[key] = path
                futures.add(client.submit(_dask_task, path, timeout, memory_limit, target, key=key, pure=False))

        for _ in range(in_flight):
            submit()
        for fut in futures:
            path = path_of.pop(fut.key)
            try:
                out = fut.result()
            except KilledWorker:
                err = DocumentError("worker_died", "the Dask worker died while processing this document")
                out = Outcome(path, None, err)
            except Exception as e:  # the task itself failed on the cluster (e.g. cnbudget not installed there)
                err = DocumentError("internal_error", f"Dask task failed: {type(e).__name__}: {e}")
                out = Outcome(path, None, err)
            fut.release()
            yield out
            submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
