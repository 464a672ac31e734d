"""The helper thread that encodes half a page runs beside its caller, on another CPU, and never queues."""
from __future__ import annotations

import os
import threading

import pytest

from core.documents.side_thread import SideThread, _sched_getcpu


def test_the_job_runs_on_a_cpu_other_than_the_callers():
    helper = SideThread("test-side")
    cpus = os.sched_getaffinity(0)
    here = _sched_getcpu()()
    os.sched_setaffinity(0, {here})            # keep the caller where it is while it submits
    try:
        allowed = helper.try_submit(os.sched_getaffinity, 0).result(timeout=10)
    finally:
        os.sched_setaffinity(0, cpus)
    if len(cpus) > 1:
        assert here not in allowed and allowed == cpus - {here}
    else:
        assert allowed == cpus


def test_a_busy_helper_declines_and_the_caller_does_the_work():
    helper = SideThread("test-busy")
    release = threading.Event()
    first = helper.try_submit(release.wait, 10)
    assert helper.try_submit(int) is None      # busy: the caller is told at once, nothing is queued
    release.set()
    assert first.result(timeout=10) is True
    assert helper.try_submit(sum, [1, 2, 3]).result(timeout=10) == 6


def test_an_error_in_the_job_reaches_the_caller_and_frees_the_helper():
    helper = SideThread("test-error")
    with pytest.raises(ValueError):
        helper.try_submit(int, "not a number").result(timeout=10)
    assert helper.try_submit(int, "7").result(timeout=10) == 7
