"""Running replications: in this process, in a local process pool, or on a Dask cluster. Each replication draws
from its own seeds, so the results are the same whoever runs it and in whatever order."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Callable, Iterator

from model.errors import InputError
from model.outcomes.metrics import Outcome
from model.runner.plan import RunPlan
from model.runner.replicate import run_replication


@contextmanager
def _progress(total: int, label: str, enabled: bool) -> Iterator[Callable[[], None]]:
    if not enabled or total == 0:
        yield lambda: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit="rep", file=sys.stderr, dynamic_ncols=True) as bar:
        yield lambda: bar.update(1)


@contextmanager
def dask_client(address: str | None, workers: int):
    """A Dask client for `address` ('local': a LocalCluster on loopback, closed afterwards); None without one."""
    if address is None:
        yield None
        return
    from dask.distributed import Client

    cluster = None
    try:
        if address == "local":
            from model.runner.dask_local import local_cluster

            cluster = local_cluster(workers)
            client = Client(cluster)
        else:
            client = Client(address, timeout=os.environ.get("HPA_DASK_CONNECT_TIMEOUT", "15s"))
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(f"--dask {address}: cannot reach a Dask scheduler there ({exc})") from None
    try:
        yield client
    except KeyboardInterrupt:  # stop now: the local workers' running replications are lost anyway
        if cluster is not None:
            _kill_local_workers(cluster)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _kill_local_workers(cluster) -> None:
    """The worker processes of a local cluster killed at once (closing asks each to finish its task first)."""
    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(getattr(getattr(nanny, "process", None), "process", None), "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def execute(plan: RunPlan, replications: list[int], workers: int = 1, client=None,
            progress: bool | None = None) -> Iterator[tuple[int, dict[str, Outcome]]]:
    """Yield (replication, outcomes) as they finish: on a Dask `client`, else in a pool of `workers`."""
    show = sys.stderr.isatty() if progress is None else progress
    with _progress(len(replications), f"{plan.kind} ({plan.persons:,} persons)", show) as advance:
        if client is not None:
            yield from _on_dask(plan, replications, client, advance)
        elif workers <= 1 or len(replications) <= 1:
            for r in replications:
                result = run_replication(plan, r)
                advance()
                yield r, result
        else:
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start, initargs=(os.getpid(),))
            try:
                with signals_deferred():  # the workers are forked here: a signal now would land in fork handlers
                    futures = {pool.submit(run_replication, plan, r): r for r in replications}
                for future in as_completed(futures):
                    advance()
                    yield futures[future], future.result()
            except BaseException:  # Ctrl-C, SIGTERM, a failed replication, or the caller closing us early
                _halt(pool)
                raise
            pool.shutdown()


PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_deferred():
    """Ctrl-C and SIGTERM held back while a block runs that must not be cut in two (forking the workers,
    renaming the finished folder into place), then acted on as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum)) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


def _worker_start(parent: int) -> None:
    """In each pool worker: Ctrl-C is the main process's to handle (a terminal sends it to the whole group),
    and the worker dies with the main process however that ends, SIGKILL included."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handlers came with the fork
    forked_by_parent = os.getppid() == parent
    if forked_by_parent and sys.platform.startswith("linux"):
        try:  # the kernel kills us when our parent dies
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    # and, on any system or start method, a watch that ends the worker once the parent is gone
    threading.Thread(target=_watch_parent, args=(parent, forked_by_parent), daemon=True).start()


def _watch_parent(parent: int, forked_by_parent: bool) -> None:
    while True:
        if forked_by_parent:
            alive = os.getppid() == parent
        else:
            try:
                os.kill(parent, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
        if not alive:
            os._exit(1)
        time.sleep(0.25)


def _halt(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: queued replications cancelled, running ones killed (their work is lost, not kept)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)


def _on_dask(plan: RunPlan, replications: list[int], client, advance) -> Iterator[tuple[int, dict]]:
    from dask.distributed import as_completed as dask_completed

    futures = {client.submit(run_replication, plan, r, pure=False, key=f"replication-{r}-{os.getpid()}"): r
               for r in replications}
    for future in dask_completed(futures):
        advance()
        yield futures[future], future.result()
