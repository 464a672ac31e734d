"""The tests' clock for every Python process a test starts (the worker, the simulators, a CLI).

``tests/conftest.py`` puts this folder on ``PYTHONPATH``, so Python imports it at start-up. When
``GOYANG_TEST_CLOCK_OFFSET`` (seconds, may be negative) is set, the process's clock starts that far from
real time and runs on from there (time-machine patches ``time.time`` and ``datetime.now``, not
``time.monotonic``, so timeouts stay real). Without the variable it does nothing.
"""
import os

OFFSET_VARIABLE = "GOYANG_TEST_CLOCK_OFFSET"


def travel_by_offset() -> None:
    offset = os.environ.get(OFFSET_VARIABLE)
    if not offset:
        return
    import time

    import time_machine

    time_machine.travel(time.time() + float(offset), tick=True).start()


travel_by_offset()
