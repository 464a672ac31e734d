"""An uploaded HTML page must not make the server fetch anything: not files, not loopback, not the network."""
import http.server
import io
import subprocess
import threading

import pikepdf
import pytest

from core.documents.convert import html_to_pdf
from core.documents.isolation import run_convert


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(5)


def _hostile_html(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{base}/style.css">
<link rel="stylesheet" href="file:///etc/passwd">
<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png"); }}
@font-face {{ font-family: x; src: url("{base}/font.woff"); }} p {{ font-family: x; }}</style>
</head><body><h1>외부 자원 요청 시험</h1>
<img src="file:///etc/passwd"><img src="file:///etc/hostname">
<img src="{base}/pixel.png"><img src="http://localhost:{port}/local.png">
<img src="http://10.0.0.1/internal.png"><img src="http://169.254.169.254/latest/meta-data/">
<img src="http://192.168.0.1/router.png"><img src="https://example.com/remote.png">
<img src="http://[::1]:{port}/v6.png"><img src="/static/../../../etc/passwd">
<iframe src="{base}/frame.html"></iframe><object data="{base}/object.pdf"></object>
<embed src="{base}/embed.svg"><a href="{base}/link">링크</a>
</body></html>"""


def test_ssrf_attempts_fetch_nothing(tmp_path, loopback_server, cfg):
    port = loopback_server.server_port
    src = tmp_path / "hostile.html"
    src.write_text(_hostile_html(port))
    out = tmp_path / "out.pdf"
    result = run_convert({"kind": "html", "src": str(src), "out": str(out), "static_dir": str(cfg.static_dir),
                          "base_url": cfg.base_url, "max_pages": 300}, cfg.limits)
    assert _Recorder.hits == [], f"the loopback server was contacted: {_Recorder.hits}"
    refused = result["refused_urls"]
    assert "file:///etc/passwd" in refused
    assert any("169.254.169.254" in url for url in refused)
    assert any("10.0.0.1" in url for url in refused)
    assert any("example.com" in url for url in refused)
    assert any(f"127.0.0.1:{port}/style.css" in url for url in refused)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    assert "root:" not in text and "외부 자원 요청 시험" in text
    assert b"root:x:0:0" not in out.read_bytes()


def test_the_apps_own_static_assets_do_load(cfg):
    html = ('<!doctype html><html><body><p>로고</p><img src="/static/icons/icon-192.png">'
            '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA'
            'hKmMIQAAAABJRU5ErkJggg=="></body></html>')
    pdf, refused = html_to_pdf(html.encode(), static_dir=cfg.static_dir, base_url=cfg.base_url)
    assert refused == []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(list(doc.pages[0].get_images())) == 2


def test_a_path_escape_out_of_static_is_refused(cfg):
    html = '<!doctype html><html><body><img src="/static/%2e%2e/%2e%2e/etc/passwd"><p>x</p></body></html>'
    _, refused = html_to_pdf(html.encode(), static_dir=cfg.static_dir, base_url=cfg.base_url)
    assert len(refused) == 1
