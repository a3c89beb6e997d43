"""Bad input in a batch: every broken file is reported with its path and a reason a user can
act on, while the good file next to it is indexed; bad input never loses indexed work.

Each case builds a real file in tmp_path and ingests a folder holding one good corpus copy
plus the bad file, with the toy embedder (plumbing only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, corpus_file, require_ocr
from namndsok.errors import IngestError
from namndsok.index.builder import IngestReport, discover, ingest
from namndsok.index.embedders import create_embedder
from namndsok.index.search import Searcher
from namndsok.index.store import load_index
from namndsok.ingest.read import read_document
from pdfs import make_pdf, make_scanned_pdf

GOOD = "004"  # a small corpus document: the good file of every batch


@pytest.fixture(scope="module")
def toy():
    return create_embedder("toy")


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory) -> Path:
    """A real 3-page PDF with corpus text (the base for truncated and encrypted copies)."""
    text = corpus_file("002").read_text(encoding="utf-8")
    third = len(text) // 3
    path = tmp_path_factory.mktemp("pdf") / "motion.pdf"
    make_pdf([text[:third], text[third : 2 * third], text[2 * third :]], path)
    return path


def _folder(tmp_path: Path, name: str = "docs") -> Path:
    d = tmp_path / name
    d.mkdir()
    shutil.copy(corpus_file(GOOD), d)
    return d


def _good(d: Path) -> Path:
    return next(d.glob(f"{GOOD}_*"))


def _run(folder: Path, root: Path, toy) -> IngestReport:
    return ingest([folder], root, toy, progress=False)


def _reason(entries: list[tuple[str, str]], path: Path) -> str:
    found = [r for p, r in entries if Path(p).name == path.name]
    assert len(found) == 1, (path, entries)
    return found[0]


def _assert_good_indexed(report: IngestReport, folder: Path, root: Path) -> None:
    good = _good(folder)
    assert str(good) in report.indexed, report.summary()
    idx = load_index(root)
    assert good.name in {d.source for d in idx.documents}
    assert any(c.source == good.name for c in idx.chunks)


def _pdf_encrypted(src: Path, dest: Path, user_password: str) -> Path:
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=str(src))
    w.encrypt(user_password=user_password, owner_password="ägare-hemlig")
    with open(dest, "wb") as fh:
        w.write(fh)
    return dest


# ------------------------------------------------------------------ failed files, one per case


def _corrupt_pdf(d: Path, small_pdf: Path) -> Path:
    p = d / "trasig.pdf"
    p.write_bytes(os.urandom(20_000))
    return p


def _truncated_pdf(d: Path, small_pdf: Path) -> Path:
    data = small_pdf.read_bytes()
    p = d / "avbruten.pdf"
    p.write_bytes(data[: len(data) * 2 // 3])
    return p


def _password_pdf(d: Path, small_pdf: Path) -> Path:
    return _pdf_encrypted(small_pdf, d / "lösenord.pdf", user_password="hemligt123")


def _scanned_pdf(d: Path, small_pdf: Path) -> Path:
    return make_scanned_pdf(d / "skannad.pdf", n_pages=3)


def _empty_txt(d: Path, small_pdf: Path) -> Path:
    p = d / "tom.txt"
    p.write_bytes(b"")
    return p


def _empty_pdf(d: Path, small_pdf: Path) -> Path:
    p = d / "tom.pdf"
    p.write_bytes(b"")
    return p


def _binary_txt(d: Path, small_pdf: Path) -> Path:
    import zlib

    p = d / "bild.txt"  # compressed bytes: a renamed archive or image
    p.write_bytes(zlib.compress(os.urandom(3000) + corpus_file("002").read_bytes()))
    return p


def _whitespace_txt(d: Path, small_pdf: Path) -> Path:
    p = d / "blank.txt"
    p.write_text(" \n\n\t \n", encoding="utf-8")
    return p


FAILING = [
    (_corrupt_pdf, r"corrupt|not a PDF"),
    (_truncated_pdf, r"truncated"),
    (_password_pdf, r"password"),
    (_scanned_pdf, r"no text layer in 3 page\(s\), and OCR found no text on them"),  # pages of graphics only
    (_empty_txt, r"empty file \(0 bytes\)"),
    (_empty_pdf, r"empty file \(0 bytes\)"),
    (_binary_txt, r"binary"),
    (_whitespace_txt, r"no text"),
]


@pytest.mark.parametrize("make,reason", FAILING, ids=[f.__name__.lstrip("_") for f, _ in FAILING])
def test_bad_file_fails_with_reason_and_batch_goes_on(tmp_path, toy, small_pdf, make, reason):
    import re

    if make is _scanned_pdf:
        require_ocr()  # OCR runs on the scanned pages (without it, test_pdf.py checks the refusal)
    d = _folder(tmp_path)
    bad = make(d, small_pdf)
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    _assert_good_indexed(report, d, root)
    got = _reason(report.failed, bad)
    assert re.search(reason, got), got
    assert not report.ok
    assert bad.name not in {doc.source for doc in load_index(root).documents}
    # the error raised by the reader names the file and the problem
    with pytest.raises(IngestError) as err:
        read_document(bad)
    assert bad.name in str(err.value) and re.search(reason, err.value.reason)


# ------------------------------------------------------------------ files that must be read


def test_pdf_with_empty_user_password_is_decrypted_and_indexed(tmp_path, toy, small_pdf):
    d = _folder(tmp_path)
    enc = _pdf_encrypted(small_pdf, d / "skyddad.pdf", user_password="")
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and str(enc) in report.indexed, report.failed
    chunks = [c for c in load_index(root).chunks if c.source == enc.name]
    assert chunks and "presidieträffar" in " ".join(c.text for c in chunks)
    assert {c.citation.page for c in chunks} == {1, 2, 3}


def test_cp1252_text_keeps_swedish_letters(tmp_path, toy):
    d = _folder(tmp_path)
    p = d / "beslut-ansi.txt"
    body = (
        "Protokoll\nBarn- och utbildningsnämnden\nDatum: 2023-05-03\n\n"
        "§ 12 Beslut om förskolan i Åkersberga\n\n"
        "Nämnden beslutar att förskolan i Åkersberga får två nya avdelningar. "
        "Kostnaden är 1,2 miljoner kronor – beslutet gäller från hösten och är slutgiltigt.\n"
    )
    p.write_bytes(body.encode("cp1252"))
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and str(p) in report.indexed
    text = " ".join(c.text for c in load_index(root).chunks if c.source == p.name)
    assert "Beslut om förskolan i Åkersberga" in text
    assert "\ufffd" not in text and "Ã" not in text
    assert "–" in text  # a cp1252-only character (0x96)
    assert Searcher.open(root).search("förskolan Åkersberga", k=1)[0].chunk.source == p.name


def test_latin1_and_utf16_text_are_decoded(tmp_path, toy):
    d = _folder(tmp_path)
    line = "Beslut om förskolan i Åkersberga: nämnden gör så här, även för äldreomsorgen.\n"
    (d / "latin1.txt").write_bytes(line.encode("latin-1"))
    (d / "utf16.txt").write_bytes(line.encode("utf-16"))  # with BOM, as Windows "Unicode" saves
    (d / "utf8bom.md").write_bytes(b"\xef\xbb\xbf" + line.encode("utf-8"))
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and len(report.indexed) == 4, report.failed
    for doc in load_index(root).documents:
        if doc.source != _good(d).name:
            assert doc.text.strip() == line.strip(), doc.source


def test_mostly_utf8_with_a_stray_cp1252_byte_keeps_the_utf8(tmp_path):
    p = tmp_path / "blandad.txt"
    p.write_bytes("Förskolan i Åkersberga öppnar.\n".encode() * 20 + b"Pris: 12 \x80 per m\xe5nad\n")
    doc = read_document(p)
    assert doc.text.count("Förskolan i Åkersberga") == 20  # not mojibake "FÃ¶rskolan"


def test_large_pdf_indexes_every_page(tmp_path, toy):
    text = " ".join(corpus_file("000").read_text(encoding="utf-8").split())
    per_page = 1400
    pages = [f"Sida {n + 1}\n" + (text * 2)[(n * per_page) % len(text) :][:per_page] for n in range(320)]
    d = _folder(tmp_path)
    big = d / "stor.pdf"
    drawn = make_pdf(pages, big)
    n_pages = len(drawn)
    assert n_pages >= 320
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and str(big) in report.indexed
    idx = load_index(root)
    doc = next(x for x in idx.documents if x.source == big.name)
    assert doc.n_pages == n_pages
    chunks = [c for c in idx.chunks if c.source == big.name]
    cited = {c.citation.page for c in chunks}
    assert min(cited) == 1 and max(cited) == n_pages and len(cited) > 0.9 * n_pages
    # the page a chunk cites really holds the chunk's first line
    for c in chunks[:: max(1, len(chunks) // 40)] + chunks[-3:]:
        first = next(line for line in c.text.split("\n") if line.strip()).strip()
        assert " ".join(first.split()[:4]) in " ".join(drawn[c.citation.page - 1].split()), (c.citation.page, first)


# ------------------------------------------------------------------ skipped and missing


def test_unsupported_extension_is_skipped_with_reason(tmp_path, toy):
    d = _folder(tmp_path)
    docx = d / "protokoll.docx"
    docx.write_bytes(b"PK\x03\x04" + os.urandom(200))
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    _assert_good_indexed(report, d, root)
    assert ".docx" in _reason(report.skipped, docx) and report.ok
    with pytest.raises(IngestError, match=r"protokoll\.docx.*unsupported file type \.docx"):
        read_document(docx)


def test_missing_path_fails_and_the_rest_is_indexed(tmp_path, toy):
    d = _folder(tmp_path)
    missing = tmp_path / "finns-inte" / "protokoll.pdf"
    root = tmp_path / "ix"
    report = ingest([d, missing], root, toy, progress=False)
    _assert_good_indexed(report, d, root)
    assert "no such file" in _reason(report.failed, missing)
    with pytest.raises(IngestError, match="protokoll.pdf: no such file"):
        read_document(missing)


def test_fifo_and_broken_symlinks_do_not_hang_the_batch(tmp_path, toy):
    d = _folder(tmp_path)
    os.mkfifo(d / "ror.txt")  # reading it would block forever
    (d / "borta.txt").symlink_to(tmp_path / "raderad.txt")
    (d / "snurra.txt").symlink_to(d / "snurra.txt")  # a link to itself
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    _assert_good_indexed(report, d, root)
    assert "not a regular file" in _reason(report.skipped, d / "ror.txt")
    assert "broken symbolic link" in _reason(report.failed, d / "borta.txt")
    assert "symbolic links" in _reason(report.failed, d / "snurra.txt")
    direct = IngestReport()
    assert discover([d / "ror.txt"], direct) == [] and direct.skipped


def test_many_small_files(tmp_path, toy):
    n = 3000
    d = tmp_path / "many"
    for i in range(n // 100):
        sub = d / f"mapp{i:02d}"
        sub.mkdir(parents=True)
        for j in range(100):
            k = i * 100 + j
            (sub / f"arende-{k:04d}.txt").write_text(
                f"Tjänsteutlåtande\nDnr KS 2023/{k}\n\nÄrende {k}: förskolan i Åkersberga, avdelning {k % 7}.\n"
                f"Förslag till beslut\nNämnden godkänner ärende {k}.\n",
                encoding="utf-8",
            )
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and len(report.indexed) == n, report.summary()
    idx = load_index(root)
    assert len(idx.documents) == n and {c.source for c in idx.chunks} == {f"arende-{k:04d}.txt" for k in range(n)}
    again = _run(d, root, toy)  # nothing changed: every file reused (none parsed again), none embedded
    assert len(again.unchanged) == n and again.embedded == 0 and not again.indexed


def test_symlink_loop_terminates_and_indexes_each_file_once(tmp_path, toy):
    d = _folder(tmp_path)
    sub = d / "sub"
    sub.mkdir()
    shutil.copy(corpus_file("002"), sub)
    (sub / "upp").symlink_to(d, target_is_directory=True)  # to its parent
    (d / "jag").symlink_to(d, target_is_directory=True)  # to itself
    (sub / "kopia.txt").symlink_to(sub / corpus_file("002").name)  # a second name for a file
    root = tmp_path / "ix"
    report = _run(d, root, toy)
    assert report.ok and len(report.indexed) == 2, report.summary()
    idx = load_index(root)
    assert sorted(doc.source for doc in idx.documents) == sorted([_good(d).name, corpus_file("002").name])
    alone = tmp_path / "ix-alone"
    ingest([corpus_file("002")], alone, toy, progress=False)
    n2 = sum(1 for c in idx.chunks if c.source == corpus_file("002").name)
    assert n2 == len(load_index(alone).chunks)  # the file reached by three paths is indexed once


# ------------------------------------------------------------------ the CLI


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "namndsok.app.cli", *args], capture_output=True, text=True, env=env, timeout=120,
    )


def test_cli_reports_each_bad_file_and_exits_1(tmp_path, small_pdf):
    d = _folder(tmp_path)
    bad = [_corrupt_pdf(d, small_pdf), _password_pdf(d, small_pdf), _empty_txt(d, small_pdf)]
    (d / "protokoll.docx").write_bytes(b"PK\x03\x04")
    root = tmp_path / "ix"
    r = _cli("ingest", str(d), "--index", str(root), "--embedder", "toy")
    assert r.returncode == 1, r.stderr
    assert "1 indexed, 0 unchanged, 0 removed, 1 skipped, 3 failed" in r.stdout
    for p in bad:
        assert any(line.startswith("FAILED") and p.name in line for line in r.stderr.splitlines()), r.stderr
    assert "password" in r.stderr and "skipped" in r.stderr and "Traceback" not in r.stderr
    assert {doc.source for doc in load_index(root).documents} == {_good(d).name}

    r = _cli("ingest", str(d), "--index", str(root), "--embedder", "toy", "--json")
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["unchanged"] == [str(_good(d))] and not out["indexed"]
    assert {Path(f["path"]).name for f in out["failed"]} == {p.name for p in bad}
    assert all(f["reason"] for f in out["failed"]) and out["skipped"][0]["reason"].startswith("unsupported")


def test_cli_all_good_exits_0(tmp_path):
    d = _folder(tmp_path)
    r = _cli("ingest", str(d), "--index", str(tmp_path / "ix"), "--embedder", "toy")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("1 indexed, 0 unchanged, 0 removed, 0 skipped, 0 failed")


# ------------------------------------------------------------------ bad input never loses indexed work


@pytest.mark.parametrize("garbage", [b"", os.urandom(5000), b"\x00\x01\x02binary\x00" * 100])
def test_garbage_replacing_an_indexed_file_keeps_its_previous_version(tmp_path, toy, garbage):
    d = _folder(tmp_path)
    shutil.copy(corpus_file("002"), d)
    victim = next(d.glob("002_*"))
    root = tmp_path / "ix"
    assert _run(d, root, toy).ok
    before = load_index(root)
    old_chunks = [c.to_json() for c in before.chunks if c.source == victim.name]
    old_doc = next(x for x in before.documents if x.source == victim.name)
    assert old_chunks

    victim.chmod(0o644)
    victim.write_bytes(garbage)
    report = _run(d, root, toy)
    assert [Path(p).name for p, _ in report.failed] == [victim.name], report.failed
    assert str(_good(d)) in report.unchanged and not report.removed
    after = load_index(root)
    assert [c.to_json() for c in after.chunks if c.source == victim.name] == old_chunks
    assert next(x for x in after.documents if x.source == victim.name).sha256 == old_doc.sha256
    hit = Searcher.open(root).search("regelbundna presidieträffar med produktionsstyrelsen", k=1)[0]
    assert hit.chunk.source == victim.name

    # fixed again: the file is read anew
    shutil.copy(corpus_file("002"), victim)
    again = _run(d, root, toy)
    assert again.ok and str(victim) in again.unchanged


def test_garbage_pdf_replacing_an_indexed_pdf_keeps_it(tmp_path, toy, small_pdf):
    d = _folder(tmp_path)
    pdf = d / "motion.pdf"
    shutil.copy(small_pdf, pdf)
    root = tmp_path / "ix"
    assert _run(d, root, toy).ok
    n = sum(1 for c in load_index(root).chunks if c.source == pdf.name)
    data = pdf.read_bytes()
    pdf.write_bytes(data[: len(data) // 2])
    report = _run(d, root, toy)
    assert "truncated" in _reason(report.failed, pdf)
    assert sum(1 for c in load_index(root).chunks if c.source == pdf.name) == n


def test_identical_files_in_two_folders_do_not_multiply_chunks(tmp_path, toy):
    """Same name, same content in two folders (a copied meeting folder): re-ingesting must
    keep each document's own chunks, not every copy's chunks for every copy."""
    d = tmp_path / "docs"
    for sub in ("2023", "2024"):
        (d / sub).mkdir(parents=True)
        shutil.copy(corpus_file("002"), d / sub)
    root = tmp_path / "ix"
    _run(d, root, toy)
    n = len(load_index(root).chunks)
    for i in range(3):
        # another file changes each time, so the index is written anew
        (d / f"ny-{i}.txt").write_text(f"Ärende {i}: snöröjning i Åkersberga, beslut om avtal.\n", encoding="utf-8")
        r = _run(d, root, toy)
        assert len(r.unchanged) == 2 + i and len(r.indexed) == 1
        idx = load_index(root)
        dup = [c for c in idx.chunks if c.source == corpus_file("002").name]
        assert len(dup) == n and len(idx.documents) == 3 + i
        assert r.chunks == len(idx.chunks)
    # and the ids stay the positions
    idx = load_index(root)
    assert [c.id for c in idx.chunks] == list(range(len(idx.chunks)))
