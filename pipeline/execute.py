"""execute: run `process_path` over many files on isolated worker processes, locally or on Dask.

Each document runs in a worker subprocess (`pipeline.worker`) that the parent can kill. A
document that runs past the time limit, or whose worker dies (killed, segfault, out of memory),
costs only that document: it comes back as an `Outcome` with an error, the worker is replaced,
and the run goes on. At most two documents per worker are in flight (one running, the next one
waiting in its pipe), so memory does not grow with the number of files, and results come back as
they finish (unordered).

With Dask, each Dask task hands its document to such a worker subprocess kept by the Dask
worker thread, so the time limit and crash isolation hold there too.
"""
from __future__ import annotations

import itertools
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from pipeline.records import DocumentError
from pipeline.records import DocResult

GiB = 1024**3
DEFAULT_TIMEOUT = 120.0  # seconds per document
DEFAULT_MEMORY_LIMIT = 2 * GiB  # address space per worker process
TARGET = "pipeline.process:process_path"  # what a worker runs on each path
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


RESULT_PIPE_BYTES = 1 << 20  # Linux's default cap for an unprivileged process (fs/pipe-max-size)


def _widen(fd: int) -> None:
    """Let a worker leave a whole result in its pipe and go on to its next document: a result is
    14-75 KB pickled, more than the default 64 KB pipe, so the worker waited for the parent to read
    it, and the parent is slow to read while its writer thread converts a batch. Linux only; the
    default size elsewhere or when refused."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


class _Worker:
    """One `python -m pipeline.worker` subprocess and the two pipe ends the parent keeps."""

    def __init__(self, memory_limit: int, target: str):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        _widen(from_w)
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
        self.queue: deque[str] = deque()  # paths sent, oldest first; queue[0] is the one it works on
        self.ready = False  # has said "ready" (imports done)
        self.asked_to_stop = False
        self.started = time.monotonic()  # start-up, then the start of queue[0]

    def give(self, path: str) -> None:
        if not self.queue:
            self.started = time.monotonic()  # until its "start" arrives
        self.queue.append(path)
        self.send.send(path)

    def deadline(self, timeout: float | None) -> float:
        if not self.ready:
            return self.started + STARTUP_LIMIT
        if not self.queue or timeout is None:
            return float("inf")
        return self.started + timeout

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

    def ask_to_stop(self) -> None:
        if self.asked_to_stop:
            return
        self.asked_to_stop = True
        try:
            self.send.send(None)
        except OSError:
            pass

    def stop(self) -> None:
        """Ask an idle worker to exit (if not asked yet); kill it if it does not."""
        self.ask_to_stop()
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
    """Worker subprocesses with a per-document time limit; a dead worker is replaced.

    Each worker holds a few paths (`prefetch`): the next ones wait in its pipe, so it goes on at
    once when the current one is done, while the parent is still busy (its writer thread holds
    the interpreter lock for milliseconds at a time while it converts a batch). The time limit
    counts from the worker's "start" message for each document. A document lost with its worker
    costs only itself: the paths queued behind it go to another worker."""

    QUEUED_WORK = 0.03  # seconds of work kept waiting in each worker's pipe
    MAX_PREFETCH = 8

    @staticmethod
    def prefetch(mean_seconds: float | None) -> int:
        """Paths a worker may hold: the one it works on and enough to cover QUEUED_WORK at the
        mean time per document so far. With two held (the old fixed number), workers on 6 ms
        documents waited ~5 % of the run for the parent; slow documents (seconds each, PDFs) are
        held two at a time, so that the last ones are not stuck behind one worker's queue."""
        if not mean_seconds or mean_seconds <= 0:
            return 2
        return max(2, min(LocalPool.MAX_PREFETCH, 1 + math.ceil(LocalPool.QUEUED_WORK / mean_seconds)))

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
        self._live: list[_Worker] = []
        self._mean: float | None = None  # mean seconds per document, recent ones weighing more

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start_one(self) -> None:
        """Start one more worker process now (up to `workers`), so that it imports the pipeline while
        the caller does other work; otherwise workers start with the first paths given to them."""
        if len(self._live) < self.workers:
            self._live.append(_Worker(self.memory_limit, self.target))

    def close(self) -> None:
        for w in self._live:  # all asked first: they exit side by side, not one after the other
            if w.ready and not w.queue:
                w.ask_to_stop()
        while self._live:
            w = self._live.pop()
            if w.queue or not w.ready:  # one still importing holds nothing: not worth waiting for
                w.kill()
            else:
                w.stop()

    def running(self) -> list[tuple[str, float]]:
        """The documents being worked on now and the seconds each has taken so far. Safe to call from
        another thread (a snapshot, maybe a moment old): it is what a progress line shows."""
        now = time.monotonic()
        out = []
        for w in list(self._live):
            try:
                if w.ready and w.queue:
                    out.append((w.queue[0], now - w.started))
            except IndexError:  # its document finished while we looked
                pass
        return out

    def run_one(self, path: str) -> Outcome:
        return next(iter(self.imap_unordered([path])))

    def imap_unordered(self, paths: Iterable[str]) -> Iterator[Outcome]:
        pending = iter(paths)
        again: deque[str] = deque()  # paths taken back from a worker that was lost
        exhausted = False
        try:
            while True:
                # hand out paths: start workers up to the limit, then fill the least loaded ones
                while True:
                    least = min(self._live, key=lambda w: len(w.queue), default=None)
                    spawn = least is None or (least.queue and len(self._live) < self.workers)
                    if not spawn and len(least.queue) >= self.prefetch(self._mean):
                        break
                    if again:
                        path = again.popleft()
                    elif exhausted or (path := next(pending, None)) is None:
                        exhausted = True
                        break
                    w = least
                    if spawn:
                        w = _Worker(self.memory_limit, self.target)
                        self._live.append(w)
                    try:
                        w.give(path)
                    except OSError:  # it has died: take the path back, report what it was doing
                        w.queue.pop()
                        again.appendleft(path)
                        yield from self._receive(w, again)
                busy = [w for w in self._live if w.queue or not w.ready]
                if not any(w.queue for w in self._live):
                    return
                wait_for = max(0.0, min(w.deadline(self.timeout) for w in busy) - time.monotonic())
                ready = wait([w.recv for w in busy], timeout=min(wait_for, 3600.0))
                for w in [w for w in busy if w.recv in ready]:
                    yield from self._receive(w, again)
                now = time.monotonic()
                for w in [w for w in self._live if now >= w.deadline(self.timeout)]:
                    self._lose(w, again)
                    if w.ready:
                        detail = f"still running after {self.timeout:g} s (--timeout); the worker was stopped"
                    else:
                        detail = f"a worker process did not start within {STARTUP_LIMIT:g} s"
                    if w.queue:
                        yield Outcome(w.queue[0], None, DocumentError("timeout", detail), seconds=now - w.started)
        finally:
            for w in [w for w in self._live if w.queue]:  # stopped early: nothing may outlive the run
                self._lose(w, again)

    def _receive(self, w: _Worker, again: deque[str]) -> Iterator[Outcome]:
        try:
            msg = w.recv.recv()
        except (EOFError, OSError):
            detail = w.exit_detail()
            self._lose(w, again)
            if w.queue:
                err = DocumentError("worker_died", detail)
                yield Outcome(w.queue[0], None, err, seconds=time.monotonic() - w.started)
            return
        if msg == "ready":
            w.ready = True
        elif msg == "start":
            w.started = time.monotonic()
        else:
            result, seconds, rss = msg
            self._mean = seconds if self._mean is None else 0.9 * self._mean + 0.1 * seconds
            path = w.queue.popleft()
            w.started = time.monotonic()  # the next one starts now (its "start" will say exactly)
            yield Outcome(path, result, None, seconds, rss)

    def _lose(self, w: _Worker, again: deque[str]) -> None:
        """Kill a worker; the paths queued behind its current one go back for another worker."""
        w.kill()
        self._live.remove(w)
        again.extend(list(w.queue)[1:])


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

        # A dying worker takes every task it holds. Those tasks are tried again one at a time, so
        # an innocent one never shares a worker with the document that killed it: the innocent
        # ones succeed, the killer kills once more and is reported.
        retried: set[str] = set()
        waiting: deque[str] = deque()  # killed once, to be tried again
        retrying: list[str | None] = [None]  # the one being tried again

        def submit(path: str | None = None) -> None:
            path = path if path is not None else next(it, None)
            if path is not None:
                key = f"cnbudget-{run_id}-{next(numbers)}"
                path_of[key] = path
                futures.add(client.submit(_dask_task, path, timeout, memory_limit, target, key=key, pure=False))

        def retry_next() -> None:
            if retrying[0] is None and waiting:
                retrying[0] = waiting.popleft()
                submit(retrying[0])

        for _ in range(in_flight):
            submit()
        for fut in futures:
            path = path_of.pop(fut.key)
            if path == retrying[0]:
                retrying[0] = None
            try:
                out = fut.result()
            except KilledWorker:
                fut.release()
                if path not in retried:
                    retried.add(path)
                    waiting.append(path)
                    retry_next()
                    submit()
                    continue
                err = DocumentError("worker_died", "the Dask worker died while processing this document")
                out = Outcome(path, None, err)
            except Exception as e:  # the task itself failed on the cluster (e.g. cnbudget not installed there)
                err = DocumentError("internal_error", f"Dask task failed: {type(e).__name__}: {e}")
                out = Outcome(path, None, err)
            fut.release()
            yield out
            retry_next()
            submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
