"""The simulators' servers stay quiet when a client hangs up, and still report real faults."""
import pytest

from lettering_worker.simulators import push_service


@pytest.fixture
def server():
    server, _service = push_service.start()
    yield server
    server.shutdown()
    server.server_close()


def _error_printed(server, exc: Exception, capsys) -> str:
    try:
        raise exc
    except Exception:  # noqa: BLE001 - the server is handed whatever its handler raised
        server.handle_error(None, ("127.0.0.1", 1))
    return capsys.readouterr().err


def test_a_client_hanging_up_prints_no_traceback(server, capsys):
    assert _error_printed(server, BrokenPipeError(32, "Broken pipe"), capsys) == ""
    assert _error_printed(server, ConnectionResetError(104, "reset"), capsys) == ""


def test_a_fault_in_the_simulator_is_still_printed(server, capsys):
    printed = _error_printed(server, ValueError("a bug"), capsys)
    assert "ValueError: a bug" in printed
