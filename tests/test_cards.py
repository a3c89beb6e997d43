"""What a card says, from the corpus's own documents (parsed here; nothing embedded): labels
that say what a document is and what its date means, references to paste, passages without
markdown asterisks, snippets cut at word boundaries, query words and quoted sentences
marked, overlapping chunks shown once, and a document page that lands on the quote."""

from __future__ import annotations

import html as html_mod
import re

import pytest

from namndsok.app import labels
from namndsok.app.cards import document_page
from namndsok.app.passages import Passage, query_spans, render, sentence_span, snippet_html, window
from namndsok.ingest.chunk import chunk_document


@pytest.fixture(scope="module")
def chunks(parsed_corpus):
    return {k: chunk_document(d) for k, d in parsed_corpus.items()}


def _chunk(chunks, doc: str, section: str, contains: str):
    return next(c for c in chunks[doc] if c.citation.section == section and contains in c.text)


def _passage(parsed_corpus, chunk):
    doc = parsed_corpus[chunk.source[:3]]
    return Passage.of_chunk(chunk, doc, doc.sections[chunk.section_index])


# ------------------------------------------------------------------ labels and references


def test_labels_say_what_the_document_is_and_what_its_date_means(parsed_corpus):
    # as the documents' heads read: "Datum 2016-03-20 … Till Kommunfullmäktige", a protocol's meeting date
    want = {
        "000": "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16",
        "001": "Utbildningsnämndens arbetsutskott, kallelse till sammanträdet 2023-12-06",
        "002": "Tjänsteutlåtande 2016-03-20, till Kommunfullmäktige",
        "003": "Förvaltningsgrupp, protokoll 2021-09-23",
        "004": "Rapport 2021-11-09, till Kommunstyrelsens produktionsutskott",
    }
    got = {k: labels.document_label(d.doc_type, d.organ, d.date) for k, d in parsed_corpus.items()}
    assert got == want


def test_reference_for_a_journalist(parsed_corpus, chunks):
    c = _chunk(chunks, "000", "KSPU § 10:3", "Minirosen har 10-12 platser")
    doc = parsed_corpus["000"]
    assert labels.reference(doc, doc.sections[c.section_index], c.citation) == \
        "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16, KSPU § 10:3, Dnr PU 2020/0011"
    # a tjänsteutlåtande is known by its title
    c = chunks["002"][1]
    assert labels.reference(parsed_corpus["002"], parsed_corpus["002"].sections[0], c.citation) == (
        "Tjänsteutlåtande 2016-03-20, till Kommunfullmäktige, ”Svar på motion 5/2015 från Ann-Christine "
        "Furustrand – Inför …”, Dnr KS 2015/0119-100")


def test_a_pdf_reference_names_the_page():
    from namndsok.model import Citation

    c = Citation("protokoll.pdf", "Protokoll", "Kommunstyrelsens produktionsutskott", "2020-09-16", "KSPU § 10:3",
                 "Produktionsdirektören informerar", "PU 2020/0011", 3, "protokoll")
    assert labels.reference(None, None, c) == \
        "Kommunstyrelsens produktionsutskott, protokoll 2020-09-16, KSPU § 10:3, Dnr PU 2020/0011, s. 3"


def test_an_sro_item_has_its_title_and_its_part_of_the_bundle(parsed_corpus, chunks):
    # the kallelse bundles SRO's mötesanteckning of 2023-05-03, whose item 10 is the familjecentral agreement
    c = next(c for c in chunks["001"] if c.citation.organ == "SRO" and c.citation.section == "10.")
    doc = parsed_corpus["001"]
    sec = doc.sections[c.section_index]
    assert labels.where(c.citation, sec).startswith("punkt 10 Samverkansavtal Familjecentral och familjecentralsliknande")
    assert labels.source_label(doc, sec, c.citation) == \
        "SRO, mötesanteckning 2023-05-03 (i Utbildningsnämndens arbetsutskott, kallelse till sammanträdet 2023-12-06)"
    vk = next(c for c in chunks["001"] if c.citation.section == "§ 43")
    assert labels.source_label(doc, doc.sections[vk.section_index], vk.citation).startswith("VästKom Styrelse, protokoll 2023-06-22 (i ")


# ------------------------------------------------------------------ passages


def test_markdown_asterisks_are_not_shown_but_footnote_marks_are():
    text = ("Svar redovisas under punkten *Produktionsdirektören informerar* vid dagens sammanträde.\n"
            "- * Elevhälsan ska främst jobba hälsofrämjande\nInnan centraliseringen**Vägen dit**\n"
            "Verksamhetsområden\tVP 2021*\tHelårsprognos *\n*inkl. prestationsförändringar\n<p> Beslut fattas</p>")
    out = render(text)
    assert "punkten Produktionsdirektören informerar vid" in out
    assert "• Elevhälsan ska" in out and "Vägen dit" in out and "**" not in out
    assert "VP 2021*" in out and "Helårsprognos *" in out and "*inkl. prestationsförändringar" in out
    assert "<p>" not in out and "Beslut fattas" in out


def test_snippets_are_cut_at_word_boundaries(chunks):
    for c in chunks["001"][:80]:
        text = c.text
        spans = query_spans(text, "platser budget")
        a, b = window(text, spans, 200)
        assert a == 0 or text[a - 1].isspace(), (text[a - 5:a + 5], c.id)
        assert b == len(text) or text[b].isspace() or not text[b - 1].isalnum(), (text[b - 5:b + 5], c.id)
        assert not spans or any(a <= s and e <= b for s, e in spans)  # the snippet shows a match


def test_query_words_are_marked_by_their_stem(chunks):
    c = _chunk(chunks, "000", "KSPU § 10:3", "Minirosen har 10-12 platser")
    marked = [c.text[s:e] for s, e in query_spans(c.text, "platsen på Minirosen")]
    assert "Minirosen" in marked and "platser" in marked and "på" not in marked  # a stopword is no match
    html, a, b = snippet_html(c.text, query_spans(c.text, "platser"), 200, "ns-word")
    assert '<mark class="ns-word">platser</mark>' in html and html.startswith("… ") and html.endswith(" …")


def test_overlapping_chunks_of_a_section_are_one_passage(parsed_corpus, chunks):
    first = _chunk(chunks, "000", "KSPU § 10:3", "Svar på Ann-Christine Furustrands (S) frågor om Minirosen")
    second = next(c for c in chunks["000"] if c.id == first.id + 1)
    assert second.start < first.end  # the splitter's overlap
    p = _passage(parsed_corpus, first)
    assert p.overlaps(second)
    p.merge(second)
    assert p.text.startswith(first.text) and p.text.endswith(second.text)
    assert "Forts. KSPU" not in p.text  # running heads stay out, as in the chunks
    other = next(c for c in chunks["000"] if c.citation.section == "KSPU § 10:4")
    assert not p.overlaps(other)


def test_a_link_lands_on_the_quoted_sentence(parsed_corpus, chunks):
    c = _chunk(chunks, "000", "KSPU § 10:3", "Minirosen har 10-12 platser")
    p = _passage(parsed_corpus, c)
    quote = "Svar: Idag finns 6 elever på Solrosen, och Minirosen har 10-12 platser, förväntad beläggning 6-8 elever under hösten."
    s, e = sentence_span(p.text, quote)
    a, b = p.doc_offset(s), p.doc_offset(e - 1) + 1
    doc = parsed_corpus["000"]
    assert " ".join(doc.text[a:b].split()) == quote
    page = document_page(doc, (a, b))
    assert "<meta name='viewport' content='width=device-width, initial-scale=1'>" in page
    marked = re.search(r'<mark class="ns-quote" id="ns-hit">(.*?)</mark>', page)[1]
    assert marked == quote
    assert page.count('id="ns-hit"') == 1 and "<html lang='sv'>" in page


def test_converted_markup_reads_as_text():
    text = ('[Politiskt samrådsorgan, SRO - Vårdsamverkan i Västra Götaland \\(vardsamverkan.se\\)](#)\n'
            '<input type="checkbox"/> Ej påbörjad Utbildning')
    assert render(text) == "Politiskt samrådsorgan, SRO - Vårdsamverkan i Västra Götaland (vardsamverkan.se)\n☐ Ej påbörjad Utbildning"


def _res(**kw) -> dict:
    return {"question": "q", "no_answer": False, "no_answer_kind": None, "decision": None, "note": None, **kw}


def _visible(page: str) -> str:
    return html_mod.unescape(re.sub(r"<[^>]+>", " ", page))


def test_closest_places_carry_no_answer_headline_and_say_why():
    """outcome "closest": the heading Närmaste ställen and the reason, then the places; the
    answer text (which may begin "Svar:" or "Beslut:" in a source) is not shown as an answer."""
    from namndsok.app.cards import answer_html

    sentence = "Svar: Elevpeng plus verksamhetsstöd/strukturbidrag."
    page = answer_html(_res(answer=f"Beslut: {sentence} [1]", no_answer=True, no_answer_kind="near_miss", outcome="closest",
                            reason="Ingen mening i källorna nämner kostnaden för simhallen.", decision="beslut"),
                       ['<div class="ns-card" id="ns-src-1">källa</div>', '<div class="ns-card" id="ns-src-2">k2</div>'],
                       [], "/?q=q")
    answer = re.search(r'<div class="ns-answer ns-outcome-closest" id="ns-answer" data-outcome="closest".*?</div>', page)[0]
    assert '<h3 class="ns-head">Närmaste ställen</h3>' in answer
    assert '<p class="ns-reason">Ingen mening i källorna nämner kostnaden för simhallen.</p>' in answer
    assert page.count('class="ns-card"') == 2 and "Källa" not in page  # the places, not "sources" of an answer
    text = _visible(page)
    assert "Svar:" not in text and "Beslut" not in text and "ns-badge" not in page


def test_an_answer_is_headed_svar_and_quotes_its_sources():
    from namndsok.app.cards import answer_html

    # a source sentence that begins "Svar:" stands inside a quotation, apart from the app's heading
    page = answer_html(_res(answer="Svar: Elevpeng plus verksamhetsstöd/strukturbidrag. [1]", outcome="answer"), ["k"], [], "/?q=q")
    assert re.search(r'<h3 class="ns-head">Svar</h3><div class="ns-line"><blockquote class="ns-said">”Svar: Elevpeng', page)
    page = answer_html(_res(answer="Beslut: Styrelsen beslutar att godkänna avtalet. [1]", decision="beslut", outcome="answer"),
                       ["k"], [], "/?q=q")
    assert ('<span class="ns-badge ns-beslut">Beslut</span> <blockquote class="ns-said">”Styrelsen beslutar att godkänna '
            'avtalet.” <a class="ns-marker" href="#ns-src-1">[1]</a></blockquote>') in page
    page = answer_html(_res(answer="Förslag till beslut: Nämnden föreslås besluta att … [1]", decision="förslag",
                            outcome="answer"), ["k"], [], "/")
    assert '<span class="ns-badge ns-forslag">Förslag till beslut</span> <blockquote' in page
    assert "<h4>Källa</h4>" in page
    # figures stay whole on a narrow screen
    page = answer_html(_res(answer="Invent ny/omb skola/fsk, 2026: 40 000 tkr [1]", outcome="answer"), ["k"], [], "/?q=q")
    assert '<span class="ns-nw">40 000</span> tkr' in page
    # exports of the answer beside its link
    assert 'href="/export/svar.csv?q=q"' in page and 'href="/export/svar.json?q=q"' in page


def test_nothing_found_says_so_with_the_closest_passages_folded():
    from namndsok.app.answering.answer import NO_ANSWER
    from namndsok.app.cards import answer_html

    page = answer_html(_res(answer=f"{NO_ANSWER} Handlingarna nämner inte Malmö.", no_answer=True, no_answer_kind="nothing",
                            outcome="none", reason="Handlingarna nämner inte Malmö.", note="visar de närmaste passagerna"),
                       [], ["<div>närmast</div>"], "/?q=q")
    assert '<h3 class="ns-head">Inget i handlingarna</h3><p class="ns-reason">Handlingarna nämner inte Malmö.</p>' in page
    assert '<details class="ns-nearest"><summary>Närmaste passager (1)</summary><div>närmast</div></details>' in page
    assert "Visar de passager" not in page  # the heading says it already
    # without a reason the answerer's own sentence is the reason
    page = answer_html(_res(answer=NO_ANSWER, no_answer=True, no_answer_kind="nothing", outcome="none"), [], [], "/")
    assert f'<p class="ns-reason">{NO_ANSWER}</p>' in page


def test_bold_glued_to_text_is_not_run_together_and_figures_stay_whole():
    from namndsok.app.passages import keep_whole

    assert render("läsåret 2019/2020**Produktionsutskottets beslut**\nDagordningen") == \
        "läsåret 2019/2020 Produktionsutskottets beslut\nDagordningen"
    assert render("saknades**Vägen dit**") == "saknades Vägen dit"
    assert re.findall(r'<span class="ns-nw">(.*?)</span>', keep_whole(render("40 000 tkr den 2020-09-16 av 12345"))) == \
        ["40 000", "2020-09-16"]


def test_a_table_in_a_passage_keeps_its_columns_and_marks():
    """Tab-separated rows (a budget table) become a table: each figure in its year's column,
    right-aligned; a quoted row's mark closes and reopens at each cell, the id only once."""
    from namndsok.app.passages import keep_whole

    text = ("4.2 Investeringsplan\n(belopp i tkr)\t2024\t2025\t2026\t2027\n"
            "Invent ny/omb skola/fsk\t2 000\t10 000\t40 000\t30 000\nSlut på tabellen")
    start = text.index("Invent")
    page = keep_whole(render(text, [(start, len(text) - len("\nSlut på tabellen"))], "ns-quote", "ns-hit"))
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    cells = [[html_mod.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]
    assert cells == [["(belopp i tkr)", "2024", "2025", "2026", "2027"],
                     ["Invent ny/omb skola/fsk", "2 000", "10 000", "40 000", "30 000"]]
    assert page.startswith("4.2 Investeringsplan<table") and page.endswith("</table>Slut på tabellen")
    assert page.count('id="ns-hit"') == 1 and page.count("<mark") == page.count("</mark>") == 5
    assert '<td class="ns-fig"><mark class="ns-quote"><span class="ns-nw">40 000</span></mark></td>' in page


def test_a_cut_never_leaves_half_a_markdown_pair():
    text = "Ställningstagande\n- *Det politiska samrådsorganet SRO ställer sig bakom förslaget på samverkansavtal.*"
    html, a, b = snippet_html(text + " Mer text." * 40, [], 60)
    assert "*" not in html and html.startswith("Ställningstagande\n- Det politiska") and html.endswith(" …")


def test_text_offsets_map_to_the_document_across_left_out_running_heads(parsed_corpus, chunks):
    c = next(c for c in chunks["000"] if c.omitted)  # "Forts. KSPU § 10:3" and the like left out
    p = _passage(parsed_corpus, c)
    doc = parsed_corpus["000"].text
    for t in range(len(p.text)):
        assert doc[p.doc_offset(t)] == p.text[t], t
