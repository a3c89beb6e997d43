"""The parsing rules as data: the headings, markers and header lines that the corpus uses.

structure.py applies them; a new municipality's layout is usually a new pattern here,
not new code. Every pattern is matched against one stripped line.
"""

from __future__ import annotations

import re

from namndsok.dates import MONTHS
from namndsok.identifiers import PARA_LABEL

# "KSPU § 10:3", "§ 43 Samverkansavtal …", "KS § 7" — a paragraph heading starts its line.
PARAGRAPH_RE = re.compile(rf"^(?P<label>{PARA_LABEL})(?:\s+(?P<title>\S.{{0,200}}))?$")
# continuation page of a protocol: "Forts." / "Forts. KSPU § 10:3" never opens a section
CONTINUATION_RE = re.compile(r"^Forts\.?(?:\s+.*)?$", re.IGNORECASE)
# numbered items of a meeting record: "1. Godkännande av dagordning"
ITEM_RE = re.compile(r"^(?P<num>\d{1,2})\.\s+(?P<title>[A-ZÅÄÖ].{1,160})$")

# A line that opens an attached document inside a bundle, and what kind of part it opens.
PART_START_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^TJÄNSTEUTLÅTANDE$", re.IGNORECASE), "memo"),
    (re.compile(r"^(?:PROTOKOLL|Protokoll|Sammanträdesprotokoll.*|Protokoll till .+)$"), "protocol"),
    (re.compile(r"^(?:Mötesanteckning|Minnesanteckningar?)\b.*$", re.IGNORECASE), "notes"),
    (re.compile(r"^(?:KALLELSE|FÖREDRAGNINGSLISTA)$"), "agenda"),
    # an e-signature service's audit trail: names, e-mail and IP addresses, no matter content
    (re.compile(r"^(?:Final Audit Report|Audit Trail|Granskningslogg)$", re.IGNORECASE), "audit"),
    (re.compile(r"^[A-ZÅÄÖ]{8,}(?: [A-ZÅÄÖ]{2,})*$"), "attachment"),  # SAMVERKANSAVTAL
]
# A memo part must show one of these within its first lines, else the word was a page header.
MEMO_HEADER_RE = re.compile(r"^(?:Dnr\b|Diarienummer|Datum\b|\d+\(\d+\)$)", re.IGNORECASE)
PROTOCOL_HEADER_RE = re.compile(r"^(?:Sammanträdesdatum|Tid\b|Datum\b|Plats)", re.IGNORECASE)

# Subheadings inside a memo or paragraph; a decision block runs until the next of these.
SUBHEADINGS = {
    "sammanfattning", "ärende", "ärendet", "bakgrund", "beslutsunderlag", "motivering till beslut",
    "propositionsordning", "expedieras", "information", "förvaltningens slutsatser",
    "förvaltningens bedömning", "ekonomisk bedömning", "bilagor", "beslutet skickas till:",
    "invånarperspektiv", "hållbarhetsperspektiv", "övriga frågor", "ändring i dagordning",
    "yrkanden", "reservation", "reservationer", "protokollsanteckning", "omröstning",
    "förslag till beslut", "beslutsförslag", "beslut", "beslut:",
}

# "Produktionsutskottets", "Kultur- och fritidsnämndens": the organ in the genitive
_ORGAN_GENITIVE = r"[A-ZÅÄÖ][a-zåäö]*-?(?:\s+och\s+[a-zåäö-]+)?s"

# Decision markers, in order of precedence: the organ's decision beats a proposal.
DECISION_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^(?:\*\*)?(?:{_ORGAN_GENITIVE}\s+)?beslut:?(?:\*\*)?$", re.IGNORECASE), "beslut"),
    (re.compile(rf"^(?:\*\*)?(?:Förslag till beslut|Beslutsförslag|{_ORGAN_GENITIVE} förslag)(?:\*\*)?:?$"), "förslag"),
]
# "…läsåret 2019/2020**Produktionsutskottets beslut**": a marker glued to a title line
GLUED_DECISION_RE = re.compile(rf"^(?P<title>.+?)\*\*(?P<marker>{_ORGAN_GENITIVE} beslut)\*\*$")

# Header fields
ORGAN_RULES: list[re.Pattern[str]] = [
    re.compile(r"^Organ\s+(?P<organ>.+)$"),
    re.compile(r"^Sammanträdesprotokoll för (?P<organ>.+)$"),
    re.compile(r"^Protokoll till (?P<organ>.+)$"),
    re.compile(r"^Mötesanteckning (?P<organ>.+)$"),
    re.compile(r"^Till (?P<organ>(?:Kommun|Region)\S*(?: \S+)?)$"),
    re.compile(r"^(?P<organ>\S+(?:nämndens|styrelsens|fullmäktiges) (?:arbetsutskott|produktionsutskott|utskott))$"),
    re.compile(r"^(?P<organ>[A-ZÅÄÖ]\w+ Styrelse)(?: .*)?$"),  # "VästKom Styrelse Extrainsatt"
]
ISO_DATE_RULES: list[re.Pattern[str]] = [
    re.compile(r"^Sammanträdesdatum:?\s*(?P<date>\d{4}-\d{2}-\d{2})"),
    re.compile(r"^Datum:?\s*(?P<date>\d{4}-\d{2}-\d{2})"),
    re.compile(r"^Tidpunkt och lokal:?\s*(?P<date>\d{4}-\d{2}-\d{2})"),
]
# "Tid\tOnsdag den 16 september 2020, klockan 08.00-08.48", "Datum: 3 maj 2023"
TEXT_DATE_RE = re.compile(
    rf"^(?:Tid|Datum):?\s+(?:\w+dag\s+)?(?:den\s+)?(?P<date>\d{{1,2}} (?:{'|'.join(MONTHS)}) \d{{4}})",
    re.IGNORECASE,
)

# Document type from words near the top (first match wins)
DOC_TYPE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:KALLELSE|FÖREDRAGNINGSLISTA|Kallelse)\b"), "kallelse"),
    (re.compile(r"^(?:Protokoll|PROTOKOLL|Sammanträdesprotokoll)\b"), "protokoll"),
    (re.compile(r"^Tjänsteutlåtande$", re.IGNORECASE), "tjänsteutlåtande"),
    (re.compile(r"(?:månadsuppföljning|uppföljning|rapport)\b", re.IGNORECASE), "rapport"),
]

# Agenda rows: "3\tMånadsuppföljning 2023\t2023/109\tController\t08.15-08.20"
AGENDA_ROW_RE = re.compile(r"^(?P<num>\d{1,2})\t(?P<title>[^\t]+)\t(?P<rest>.*)$")

# Lines naming the recipient organ next to an attachment's title
ORGAN_LINE_RE = re.compile(r"^(?:[A-ZÅÄÖ]\w+(?:nämnden|styrelsen|fullmäktige))(?: \w+ kommun)?$")

# Lines that close a meeting record; what follows them is an attachment.
CLOSING_RE = re.compile(r"^(?:Vid anteckningarna|Vid protokollet|Justeras)$", re.IGNORECASE)

# ---------------------------------------------------------------- tables (tables.py)

# A table's unit, named in its label header: "(belopp i tkr)", "Belopp i tkr", "netto mnkr"
TABLE_UNIT_RE = re.compile(r"(?:belopp\s+i|netto|i)\s+(?P<unit>tkr|mnkr|mkr|tusental kronor|kronor|kr)\b", re.IGNORECASE)
# a column header that is a year: "2024" (a header row of years is not a data row)
YEAR_CELL_RE = re.compile(r"^(?:19|20)\d{2}$")
# a cell that starts with a quantity: "-8 078", "86,2 %", "5000", "3. Möjligt" — not a date,
# a time, a dnr or a version ("2023-12-13", "09.45-10.00", "2023/395", "1.0")
QUANTITY_CELL_RE = re.compile(r"^[-−+]?(?:\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:,\d+)?(?!\d|[/:.-]\d)")
# a row of dashes under a markdown-like header: "---------\t-----"
RULE_CELL_RE = re.compile(r"^-{3,}$")
# markup left in extracted cells: "<i>varav vuxen</i>", "<p>…</p>"
CELL_MARKUP_RE = re.compile(r"<[^>]{1,80}>")
# Numbers written with a space as thousands separator ("10 000", "-1 010 299", "1 243,4"):
# a head of 1–3 digits, then groups of exactly three; a number without separators may be any
# length ("5000"). Used to split a row whose cells lost their tabs.
NUMBER_HEAD_RE = re.compile(r"^[-−+]?(?:0|[1-9]\d{0,2})$")
NUMBER_GROUP_RE = re.compile(r"^\d{3}$")
NUMBER_GROUP_LAST_RE = re.compile(r"^\d{3}(?:,\d+)?$")
NUMBER_PLAIN_RE = re.compile(r"^[-−+]?(?:0|[1-9]\d*)(?:,\d+)?$")
PERCENT_TOKEN = "%"
# a header line without tabs: a label, then two or more years ("(belopp i tkr) 2024 2025 2026")
YEAR_HEADER_RE = re.compile(r"^(?P<label>.*?)\s+(?P<years>(?:19|20)\d{2}(?:\s+(?:19|20)\d{2})+)$")

# ---------------------------------------------------------------- tables of contents

# "2.1 Ordförande har ordet.....\t4", "Bilagor\t20", "1\tDokumentstyrning\t3": an entry of a
# table of contents (dot leaders or a trailing page number after a tab), never a heading
TOC_ENTRY_RE = re.compile(r"^(?P<title>.+?)(?:\s*\.{3,}\s*|\s*\t\s*)(?P<page>\d{1,3})$")

# ---------------------------------------------------------------- headings below the section (headings.py)

# "4.2 Investeringsplan", "14.1. Gemensamma kostnader", "8.2.Familjecentral", "5 ? Brandskydds…":
# a number of up to four levels, then a title that starts with a capital (lists and dates
# such as "2 juli 2023: …" start lower-case). Whether it is a heading is decided by the
# numbering sequence (headings.py), not by this pattern alone.
NUMBERED_HEADING_RE = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?:\.\s*|\s+)(?P<title>[A-ZÅÄÖ?].{0,300})$")
# "Bilaga 1. Mall för lokalt samverkansavtal", "Bilaga 2" (and the typo "Bilag 3"): an
# appendix heading; the numbering of headings starts again inside it
APPENDIX_HEADING_RE = re.compile(r"^Bilag[a]?\s+(?P<num>\d{1,2})\.?(?:\s+(?P<title>[A-ZÅÄÖ].{0,200}))?$")
# how deep numbered headings go ("3.4.4" is three)
MAX_HEADING_DEPTH = 4
# a numbered line within this many lines after a list item continues the list
LIST_CONTINUES_WITHIN = 3
# A line that leads into a list rather than closing a paragraph: a colon, or a sentence
# left open ("…beslutsförslag innebärande att" above "1. Notera …").
LIST_INTRO_RE = re.compile(r"(?::|\b(?:att|och|samt|som|om|enligt|följande|nämligen|innebärande))$", re.IGNORECASE)

# ---------------------------------------------------------------- running heads and feet (running.py)

# page marks: "1(3)", "2 (6)", "Sida 2 av 5", "3 av 4"
PAGE_MARK_RE = re.compile(r"^(?:\d{1,3}\s?\(\s?\d{1,3}\s?\)|Sida\s+\d{1,3}(?:\s*(?:av|/)\s*\d{1,3})?|\d{1,3}\s+av\s+\d{1,3})$", re.IGNORECASE)
# a document's identification line, "Protokoll Styrelse VästKom 230622 Extrainsatt": its kind
# and a date; a running head or foot when the date is the section's own meeting date
DOC_IDENT_RE = re.compile(
    r"^(?:Protokoll|Sammanträdesprotokoll|Kallelse|Föredragningslista|Tjänsteutlåtande)\b.*?"
    r"(?<![\d-])(?P<date>\d{6}|\d{4}-\d{2}-\d{2})(?![\d-])",
    re.IGNORECASE,
)
# In a PDF, a line at the top or bottom of this many pages (its digits ignored) is a running
# head or foot; the edge is the first and last few non-blank lines of a page.
RUNNING_MIN_PAGES = 3
RUNNING_EDGE_LINES = 2

# ---------------------------------------------------------------- a matter's document without a header

# Inside an attached document, the first line of the next one when it has no header of its
# own (a remiss missiv after the last table of an internal control plan): a one-sentence
# title that names another matter of the agenda, after the end of the previous document's
# content (a table, or a gap of blank lines), with prose below it.
MATTER_TITLE_RE = re.compile(r"^[A-ZÅÄÖ](?:(?!\. )[^\t]){15,160}[^:\t]$")
MATTER_TITLE_MIN_INTO_PART = 10  # lines: the part's own title block is not a new document
MATTER_TITLE_GAP = 2  # blank lines that end a document when no table does
PROSE_MIN_CHARS = 60
# an agenda title's leading kind, not part of the matter's name: "Remiss - Samverkansavtal …"
AGENDA_TITLE_PREFIX_RE = re.compile(r"^(?:Remiss|Information|Anmälan|Yttrande)\s*[-–:]\s*", re.IGNORECASE)
