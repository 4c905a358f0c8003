"""`--dask local`: a Dask cluster on this machine that listens on loopback only and serves no HTTP at all
(Dask's scheduler and workers start a web server even with the dashboard off; these classes skip it)."""

from __future__ import annotations

import logging

from distributed import Nanny, Scheduler, SpecCluster, Worker
from distributed.http.routing import RoutingApplication
from tornado.httpserver import HTTPServer

LOOPBACK = "127.0.0.1"


class _NoHTTP:
    def start_http_server(self, routes, dashboard_address, default_port=0, ssl_options=None) -> None:
        # the objects Dask expects to stop at close, made but never listening
        self.http_application = RoutingApplication([])
        self.http_server = HTTPServer(self.http_application)


class LoopbackScheduler(_NoHTTP, Scheduler):
    """A Dask scheduler for a local cluster: listens on loopback only, without its HTTP dashboard."""

    pass


class LoopbackWorker(_NoHTTP, Worker):
    """A Dask worker for a local cluster: listens on loopback only, without its HTTP dashboard."""

    pass


def local_cluster(workers: int) -> SpecCluster:
    """`workers` single-threaded worker processes and a scheduler, all on 127.0.0.1, no HTTP endpoint."""
    scheduler = {"cls": LoopbackScheduler, "options": {"host": LOOPBACK, "dashboard_address": None, "dashboard": False}}
    worker = {"cls": Nanny, "options": {"host": LOOPBACK, "nthreads": 1, "worker_class": LoopbackWorker,
                                        "dashboard": False, "dashboard_address": None,
                                        "silence_logs": logging.ERROR}}
    return SpecCluster(scheduler=scheduler, workers={i: worker for i in range(max(1, workers))}, worker=worker,
                       silence_logs=logging.ERROR)
