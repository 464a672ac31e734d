"""Untrusted work runs in limited child processes: a hung or greedy file fails alone, the app keeps answering."""
import io
import os
import random
import re
import signal
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from core.documents import DocumentError
from core.documents.isolation import Limits, RenderError, RenderPool
from core.models.documents import Document
from core.models.tasks import TaskRun
from extensions import db
from tests.conftest import csrf_token_from


def _sandbox_children() -> list[int]:
    """This test process's live conversion children. Only ours: ``make test`` runs its lanes side by side,
    and another lane's conversion child is no sign that this one's was left behind."""
    pids, parent = [], f"PPid:\t{os.getpid()}\n"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                status = (entry / "status").read_text()
            except OSError:
                continue
            if b"core.documents.sandbox\x00convert" in cmdline and parent in status:
                pids.append(int(entry.name))
    return pids


def _blank_pdf(path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


def _heavy_html() -> bytes:
    rows = "".join("<tr>" + f"<td>셀 {i} 내용</td>" * 8 + "</tr>" for i in range(6000))
    return f"<!doctype html><html><body><table>{rows}</table></body></html>".encode()


@pytest.mark.slow
def test_hung_conversion_is_killed_and_the_app_keeps_answering(job_worker, app, client, login, make_user):
    app.config["VIEWER_SANDBOX_SECONDS"] = 2
    make_user("boss", role="admin")
    login("boss")
    page = client.get("/admin/documents").get_data(as_text=True)
    response = client.post("/admin/documents", headers={"HX-Request": "true"}, content_type="multipart/form-data",
                           data={"csrf_token": csrf_token_from(page), "title": "끝나지 않는 표", "share_all": "1",
                                 "file": (io.BytesIO(_heavy_html()), "heavy.html")})
    task_id = int(re.search(r'id="task-(\d+)"', response.get_data(as_text=True)).group(1))
    answered_while_running = False
    for _ in range(400):
        task = db.session.get(TaskRun, task_id)
        db.session.refresh(task)
        if task.status in ("done", "failed"):
            break
        assert client.get("/healthz?check=db").status_code == 200
        assert client.get("/admin/documents").status_code == 200
        answered_while_running = answered_while_running or bool(_sandbox_children())
        time.sleep(0.05)
    assert answered_while_running, "the conversion child was never seen running"
    assert task.status == "failed" and "2초 안에 끝나지 않아 중단했습니다" in task.error
    document = db.session.query(Document).one()
    assert document.status == "failed" and "중단" in document.error
    assert _sandbox_children() == []          # the child was killed, not left behind
    assert client.get("/healthz?check=db").status_code == 200


def test_a_file_needing_too_much_memory_fails_alone(app, cfg, add_document, tmp_path):
    big = io.BytesIO()
    Image.new("RGB", (6000, 6000), (250, 250, 250)).save(big, "PNG")
    app.config["VIEWER_SANDBOX_MEMORY_MB"] = 200
    from core.documents.service import ViewerConfig, create_document, process_document

    small = ViewerConfig.from_settings(app.config)
    document = create_document(db.session, small, filename="scan.png", data=big.getvalue(), title="큰 스캔")
    db.session.commit()
    with pytest.raises(DocumentError) as info:
        process_document(db.session, small, document.id)
    assert "메모리" in str(info.value)
    app.config["VIEWER_SANDBOX_MEMORY_MB"] = 1024   # the same file within the normal 1 GiB limit
    assert add_document("scan.png", big.getvalue()).status == "ready"


def _heavy_pdf(path: Path) -> Path:
    """One page with 200 000 random strokes: pdfium needs far more than five seconds for it."""
    rng = random.Random(7)
    ops = ["0.1 w"] + [f"{rng.uniform(0, 595):.1f} {rng.uniform(0, 842):.1f} m "
                       f"{rng.uniform(0, 595):.1f} {rng.uniform(0, 842):.1f} l S" for _ in range(200_000)]
    pdf = pikepdf.new()
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                                                     Contents=pdf.make_stream("\n".join(ops).encode()))))
    pdf.save(path)
    return path


@pytest.mark.slow
def test_a_hung_render_is_killed_and_the_next_page_renders(tmp_path):
    heavy = _heavy_pdf(tmp_path / "heavy.pdf")
    light = _blank_pdf(tmp_path / "light.pdf")
    pool = RenderPool(1, Limits(timeout=5.0))
    try:
        pool.warm()
        first = pool._all[0]
        with pytest.raises(RenderError) as info:
            pool.render(heavy, 1, 1080)
        assert "5초 안에 그리지 못해 중단했습니다" in str(info.value)
        assert first.proc.poll() is not None          # killed
        image = pool.render(light, 1, 1080)           # a fresh child takes over
        assert image.width == 1080 and image.height > 1500
        assert len(pool._all) == 2 and pool._all[1].alive
    finally:
        pool.close()


def test_a_crashed_renderer_is_replaced(tmp_path):
    light = _blank_pdf(tmp_path / "light.pdf")
    pool = RenderPool(1, Limits())
    try:
        pool.warm()
        worker = pool._all[0]
        limits = Path(f"/proc/{worker.proc.pid}/limits").read_text()
        assert re.search(r"Max address space\s+1073741824\s+1073741824", limits)
        assert re.search(r"Max core file size\s+0\s+0", limits)
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
        assert pool.render(light, 1, 1080).width == 1080
        assert pool._all[-1].proc.pid != worker.proc.pid
    finally:
        pool.close()


def test_the_renderer_starts_no_thread_per_cpu_for_numpy(tmp_path):
    """The JPEG encoder brings NumPy into the renderer; its BLAS would start a thread with buffers per CPU,
    which on a large server could pass the child's address-space limit. One helper thread is all it has."""
    light = _blank_pdf(tmp_path / "light.pdf")
    pool = RenderPool(1, Limits())
    try:
        body = pool.render_marked(light, 1, 1080, ("김민준", "2026-12-01 09:00 KST · R-00000001"))
        assert Image.open(io.BytesIO(body)).size[0] == 1080
        pid = pool._all[0].proc.pid
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"OPENBLAS_NUM_THREADS=1" in environ
        threads = int(re.search(r"Threads:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
        assert threads <= 2, threads          # the main thread and the JPEG helper
    finally:
        pool.close()
