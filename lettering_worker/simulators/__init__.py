"""Provider simulators: ``python -m lettering_worker.simulators`` (see ``server.py``)."""
from lettering_worker.simulators.common import device_status, uses_kakao
from lettering_worker.simulators.server import SimConfig, Simulator, serve

__all__ = ["SimConfig", "Simulator", "device_status", "serve", "uses_kakao"]
