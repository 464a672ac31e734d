"""Make a PDF inert before anything renders it. Runs only inside the sandbox child process.

Removed: document JavaScript, OpenAction and additional actions, Launch and other
actions on pages and annotations, embedded files and file-attachment annotations,
XFA forms. Refused: encrypted files and files whose streams inflate past a limit
(decompression bombs). The result is re-written by qpdf, which keeps only objects
still reachable, so removed payloads do not linger as orphans.
"""
from __future__ import annotations

import io
import zlib

from core.documents import DocumentError
from core.i18n import N_

MAX_STREAM_BYTES = 128 * 1024 * 1024      # one inflated stream
MAX_TOTAL_BYTES = 1024 * 1024 * 1024      # all inflated streams together
_DANGEROUS_KEYS = ("/JS", "/JavaScript", "/AA", "/OpenAction", "/EF", "/EmbeddedFiles", "/Launch", "/XFA")
_ACTION_TYPES_KEPT = ("/GoTo",)   # in-document jumps are harmless; everything else goes


def sanitize_pdf(data: bytes, *, max_pages: int) -> tuple[bytes, int, dict[str, int]]:
    """Return the defanged PDF, its page count and counts of what was removed."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise DocumentError(N_("암호가 걸린 PDF는 올릴 수 없습니다. 암호를 해제한 뒤 올려 주세요.")) from exc
    except pikepdf.PdfError as exc:
        raise DocumentError(N_("PDF 파일이 손상되어 열 수 없습니다.")) from exc
    with pdf:
        pages = len(pdf.pages)
        if pages == 0:
            raise DocumentError(N_("쪽이 하나도 없는 PDF입니다."))
        if pages > max_pages:
            raise DocumentError(N_("쪽수가 너무 많습니다(%(pages)s쪽). 최대 %(max)s쪽까지 올릴 수 있습니다."),
                                pages=pages, max=max_pages)
        check_inflated_size(pdf)
        removed = _defang(pdf)
        out = io.BytesIO()
        pdf.remove_unreferenced_resources()
        pdf.save(out, linearize=False, compress_streams=True)
    return out.getvalue(), pages, removed


def check_inflated_size(pdf) -> None:
    """Refuse a file whose streams decompress past the limits, without inflating them fully."""
    import pikepdf

    total = 0
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        size = _inflated_size(obj)
        total += size
        if size > MAX_STREAM_BYTES or total > MAX_TOTAL_BYTES:
            raise DocumentError(N_("압축을 풀면 지나치게 커지는 PDF입니다(압축 폭탄 의심). 올릴 수 없습니다."))


def _inflated_size(stream) -> int:
    import pikepdf

    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else \
        ([str(filters)] if filters is not None else [])
    raw = stream.read_raw_bytes()
    if not names:
        return len(raw)
    if names == ["/FlateDecode"]:
        # Inflate in bounded steps: a bomb is detected after MAX_STREAM_BYTES, not after gigabytes.
        inflater = zlib.decompressobj()
        size, chunk = 0, raw
        try:
            while chunk and size <= MAX_STREAM_BYTES:
                size += len(inflater.decompress(chunk, 4 * 1024 * 1024))
                chunk = inflater.unconsumed_tail
        except zlib.error:
            return len(raw)   # broken data; the renderer shows what it can
        return size
    if any(name in ("/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode") for name in names):
        return len(raw)   # image codecs: pdfium bounds these by the image's declared size
    try:
        return len(stream.read_bytes())   # rare filter chains; the child's memory limit still applies
    except pikepdf.PdfError:
        return len(raw)


def _defang(pdf) -> dict[str, int]:
    import pikepdf

    removed = {"javascript": 0, "actions": 0, "embedded_files": 0, "annotations": 0}
    root = pdf.Root
    for key in ("/OpenAction", "/AA"):
        if key in root:
            del root[key]
            removed["actions"] += 1
    if "/Names" in root:
        names = root.Names
        for key, label in (("/JavaScript", "javascript"), ("/EmbeddedFiles", "embedded_files")):
            if key in names:
                del names[key]
                removed[label] += 1
    if "/AcroForm" in root and "/XFA" in root.AcroForm:
        del root.AcroForm["/XFA"]
        removed["javascript"] += 1
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
            removed["actions"] += 1
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        kept = pikepdf.Array()
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            if annot.get("/Subtype") in ("/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia"):
                removed["embedded_files"] += 1
                continue
            for key in ("/A", "/AA"):
                if key in annot:
                    action = annot[key]
                    if key == "/A" and isinstance(action, pikepdf.Dictionary) \
                            and action.get("/S") in _ACTION_TYPES_KEPT:
                        continue
                    del annot[key]
                    removed["actions"] += 1
            kept.append(annot)
        page.obj["/Annots"] = kept
    # A last sweep for payloads hung anywhere else (form fields, outlines, name trees).
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            continue
        for key in _DANGEROUS_KEYS:
            if key in obj:
                del obj[key]
                removed["javascript" if key in ("/JS", "/JavaScript") else "actions"] += 1
        if obj.get("/S") in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
                             "/URI", "/Rendition", "/Sound", "/Movie"):
            for key in ("/S", "/F", "/Win", "/Mac", "/Unix", "/URI"):
                if key in obj:
                    del obj[key]
            removed["actions"] += 1
    return removed
