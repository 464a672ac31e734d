"""Malicious PDFs made here with pikepdf: JavaScript, Launch actions, embedded files, a decompression bomb."""
import io
import zlib

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from core.documents import DocumentError
from core.models.documents import Document
from extensions import db
from tests.viewer.conftest import pdf_with_pages

FORBIDDEN = ("/JavaScript", "/JS", "/Launch", "/OpenAction", "/EmbeddedFile", "/EmbeddedFiles", "/EF",
             "/FileAttachment", "/AA")


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _names_in(path) -> set[str]:
    """Every dictionary key and name value reachable in the output file."""
    found: set[str] = set()
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                for key, value in obj.items():
                    found.add(key)
                    if isinstance(value, pikepdf.Name):
                        found.add(str(value))
    return found


def _malicious_pdf() -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_with_pages(2)))
    js = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("app.alert('pwned'); this.exportDataObject();")))
    pdf.Root.OpenAction = js
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("x"), js])))
    pdf.Root.AA = Dictionary(WC=Dictionary(S=Name.JavaScript, JS=String("app.alert('close')")))
    page = pdf.pages[0]
    page.obj.AA = Dictionary(O=Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("calc.exe"))))
    launch = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 100, 100]),
                        A=Dictionary(S=Name.Launch, F=String("/bin/sh")))
    uri = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 100, 100, 200]),
                     A=Dictionary(S=Name.URI, URI=String("http://evil.example/")))
    page.obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(launch), pdf.make_indirect(uri)]))
    # An embedded file, both in the document's name tree and as a file-attachment annotation.
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00evil", filename="payload.exe")
    filespec = pdf.attachments["payload.exe"].obj
    attach = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([200, 200, 220, 220]),
                        FS=filespec)
    pdf.pages[1].obj.Annots = Array([pdf.make_indirect(attach)])
    return _save(pdf)


def test_malicious_pdf_is_defanged(cfg, add_document):
    data = _malicious_pdf()
    assert b"/Launch" in data and b"payload.exe" in data
    document = add_document("evil.pdf", data)
    assert document.status == "ready" and document.page_count == 2
    clean = cfg.file(document.pdf_path)
    names = _names_in(clean)
    assert not names & set(FORBIDDEN), names & set(FORBIDDEN)
    raw = clean.read_bytes()
    with pikepdf.open(clean) as pdf:
        assert len(pdf.attachments) == 0
        uncompressed = io.BytesIO()
        pdf.save(uncompressed, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    for needle in (b"app.alert", b"cmd.exe", b"/bin/sh", b"MZ\x90\x00evil", b"evil.example"):
        assert needle not in raw and needle not in uncompressed.getvalue()


def test_pages_still_render_after_sanitising(cfg, add_document):
    from core.documents.service import page_bitmap

    document = add_document("evil.pdf", _malicious_pdf())
    image = page_bitmap(cfg, document, 1, 1080)
    assert image.convert("L").getextrema()[0] < 50   # the drawn bar survived


def _bomb_pdf(inflated_mb: int) -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_with_pages(1)))
    payload = zlib.compress(b"\x00" * (inflated_mb * 1024 * 1024), 9)
    stream = pikepdf.Stream(pdf, payload)
    stream.Filter = Name.FlateDecode
    pdf.Root.Bomb = pdf.make_indirect(stream)
    return _save(pdf)


def test_decompression_bomb_is_refused(cfg, add_document):
    data = _bomb_pdf(200)
    assert len(data) < 1024 * 1024   # 200 MB of zeros in a few hundred KB
    with pytest.raises(DocumentError) as info:
        add_document("bomb.pdf", data)
    assert "압축 폭탄" in str(info.value)
    document = db.session.query(Document).one()
    assert document.status == "failed" and "압축" in document.error


def test_moderately_compressed_streams_pass(cfg, add_document):
    document = add_document("ok.pdf", _bomb_pdf(8))
    assert document.status == "ready"


def test_encrypted_pdf_is_refused_in_korean(add_document):
    pdf = pikepdf.open(io.BytesIO(pdf_with_pages(1)))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(DocumentError) as info:
        add_document("locked.pdf", out.getvalue())
    assert "암호가 걸린 PDF" in str(info.value)
