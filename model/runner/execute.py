"""Running replications: in this process, in a local process pool, or on a Dask cluster. Each replication draws
from its own seeds, so the results are the same whoever runs it and in whatever order."""

from __future__ import annotations

import os
import sys
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
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout=os.environ.get("HPA_DASK_CONNECT_TIMEOUT", "15s"))
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError(f"--dask {address}: cannot reach a Dask scheduler there ({exc})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


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
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(run_replication, plan, r): r for r in replications}
                for future in as_completed(futures):
                    advance()
                    yield futures[future], future.result()


def _on_dask(plan: RunPlan, replications: list[int], client, advance) -> Iterator[tuple[int, dict]]:
    from dask.distributed import as_completed as dask_completed

    futures = {client.submit(run_replication, plan, r, pure=False, key=f"replication-{r}-{os.getpid()}"): r
               for r in replications}
    for future in dask_completed(futures):
        advance()
        yield futures[future], future.result()
