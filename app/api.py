"""The app's API for scripts (gradio_client, plain HTTP): `/answer` and `/search`.

`Client(url).predict("fråga", api_name="/answer")` is enough: every other input is optional.
The types below describe the JSON returned (`Answer.to_json()`, `Hit.to_json()`), so that
`Client.view_api()` and the page's API docs name each field and parameter. A filter that
cannot be used (an impossible date) is one Swedish sentence, without a traceback in the log.
"""

# No `from __future__ import annotations`: Gradio reads these hints at run time.
from typing import List, Literal, Optional, TypedDict

from namndsok.model import DOC_TYPES

from .webapp import ALL, MAX_K, SEARCH_K, InputError, WebApp

DocType = Literal["Alla", "protokoll", "kallelse", "tjänsteutlåtande", "rapport", "other"]
assert set(DocType.__args__) == {ALL, *DOC_TYPES}  # noqa: S101 - the literal follows the model

PARAMETERS = {
    "question": "Frågan, på svenska (eller engelska), t.ex. 'Vad beslutade vi om Minirosen?'",
    "query": "Sökord eller en fråga",
    "organ": "Bara detta organ (del av namnet, t.ex. 'produktionsutskott'); 'Alla' för alla",
    "doc_type": "Bara denna dokumenttyp; 'Alla' för alla",
    "date_from": "Sammanträdes- eller dokumentdatum från och med: ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD; tomt för inget",
    "date_to": "Till och med: ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD (ett år betyder till dess sista dag); tomt för inget",
    "k": f"Antal passager, 1–{MAX_K}",
}


class Hit(TypedDict):
    source: str  # the file name
    sha256: str
    title: str  # the document's title
    organ: Optional[str]
    date: Optional[str]  # ISO meeting or document date
    section: Optional[str]  # as written: "KSPU § 10:3"
    section_title: Optional[str]
    dnr: Optional[str]  # as written without "Dnr": "PU 2020/0011"
    page: Optional[int]  # PDF page; null for text files
    doc_type: str
    line: Optional[int]
    ocr: bool  # the text was read by OCR from a scanned page
    score: float
    decision: Optional[str]  # the section's decision or proposal text
    decision_kind: Optional[str]  # "beslut" or "förslag"
    subsection: Optional[str]  # the innermost numbered heading above the passage
    heading_path: List[str]
    text: str  # the passage, verbatim
    masked: List[str]  # kinds of personal data masked in text (serve --redact): "personnummer", "telefon", …


class Citation(Hit):
    marker: int  # the [n] in the answer
    highlights: List[str]  # the sentences quoted from this passage


class Answer(TypedDict):
    question: str
    # "answer": a verified claim; "closest": not verified, the closest places (citations, each
    # with its best sentence in highlights) and why in `reason`; "none": nothing in the documents
    outcome: Literal["answer", "closest", "none"]
    reason: Optional[str]  # one sentence: why there is no verified answer
    answer: str  # verbatim sentences, each followed by its marker [n]
    no_answer: bool
    no_answer_kind: Optional[Literal["nothing", "near_miss"]]
    decision: Optional[Literal["beslut", "förslag"]]  # when the answer gives a decision
    language: str  # the question's language ("sv", "en", …)
    confidence: Optional[float]  # kept for older clients; always null (answers are verified by checks, not a score)
    citations: List[Citation]  # in marker order
    mode: Literal["extractive", "generative", "facts"]  # facts: from the protocols' parsed record
    note: Optional[str]  # e.g. that the sources are Swedish, or that a section only holds a proposal
    dropped_citations: List[str]
    passages: List[Hit]  # the closest passages, when there is no answer


def register(webapp: WebApp) -> None:
    """Add `/answer` and `/search` to the Blocks being built."""
    import gradio as gr

    def answer(question: str, organ: str = ALL, doc_type: DocType = ALL, date_from: str = "", date_to: str = "") -> Answer:
        """Ett svar med källhänvisningar: meningar ur handlingarna, ordagrant, var och en följd av [n]
        som pekar på en källa i `citations`. Samma objekt som `namndsok ask --json`."""
        try:
            return webapp.answer_json(question, organ, doc_type, date_from, date_to)
        except InputError as exc:
            raise gr.Error(str(exc), title="Fel i indata", print_exception=False) from None

    def search(query: str, organ: str = ALL, doc_type: DocType = ALL, date_from: str = "", date_to: str = "",
               k: int = SEARCH_K) -> List[Hit]:
        """Passager i rangordning, bäst först (som `namndsok search --json`)."""
        try:
            return webapp.search_json(query, organ, doc_type, date_from, date_to, k)
        except InputError as exc:
            raise gr.Error(str(exc), title="Fel i indata", print_exception=False) from None

    for fn in (answer, search):
        gr.api(fn, api_name=fn.__name__)
        _describe(gr, fn.__name__)


def _describe(gr, api_name: str) -> None:
    """Give each parameter of the endpoint just added its explanation in the API docs."""
    blocks = gr.context.Context.root_block
    fn = next(f for f in blocks.fns.values() if f.api_name == api_name)
    names = list(fn.fn.__code__.co_varnames[: fn.fn.__code__.co_argcount])
    for name, comp in zip(names, fn.inputs):
        comp.label = name
        comp._api_info = {**comp._api_info, "additional_description": PARAMETERS.get(name, "")}
    for comp in fn.outputs:
        comp.label = "svar" if api_name == "answer" else "träffar"
