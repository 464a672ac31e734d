"""The citizens' pages' tests use the lettering fixtures: the provider simulators, a worker draining the queue,
and the clock at a weekday morning."""
from tests.lettering.conftest import clock, drain, make_worker, settings, sim  # noqa: F401 - fixtures
