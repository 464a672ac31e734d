"""Provider simulators: ``python -m lettering_worker.simulators`` (see ``server.py``)."""
from lettering_worker.simulators.server import SimConfig, Simulator, device_status, serve, uses_kakao

__all__ = ["SimConfig", "Simulator", "device_status", "serve", "uses_kakao"]
