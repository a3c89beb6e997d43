"""The patterns of a Swedish protokoll as data: närvarolista, roles, yrkanden, propositionsordning,
omröstning, reservation, protokollsanteckning and jäv (protocol.py applies them).

Like rules.py: a new municipality's wording is usually a new pattern here, not new code.
Patterns marked "line" match one stripped line; the others search a paragraph's text.
"""

from __future__ import annotations

import re

# A person's name: two to five capitalised words ("Ann-Christine Furustrand", "Anna af Ek"),
# optionally in the genitive ("Michaela Fletchers").
_WORD = r"[A-ZÅÄÖÉÜ][a-zåäöéüèáíóú'’]+(?:-[A-ZÅÄÖÉÜ]?[a-zåäöéüèáíóú]+)?"
NAME = rf"{_WORD}(?:[ \u00a0]+(?:af|von|van|de|der|da)\b)?(?:[ \u00a0]+{_WORD}){{1,3}}"
# a party in brackets after a name: "(S)", "(SD)", "(KD)", "(MP)", "(-)" for a party-less member
PARTY = r"\((?P<party>[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]{0,4}|-)\)"
# "Michaela Fletcher (M)" / "Michaela Fletchers (M)" anywhere in a sentence
PERSON_RE = re.compile(rf"(?P<name>{NAME})\s*{PARTY}")

# ---------------------------------------------------------------- the meeting (line)

TIME_RE = re.compile(r"\b(?:kl(?:ockan|\.)?\s*)(?P<time>\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2})", re.IGNORECASE)
PLACE_RE = re.compile(r"^(?:Plats(?:\s+och\s+tid)?|Sammanträdesplats|Lokal)\s*[:\t]\s*(?P<place>[^\t]+?)(?:,\s*(?:kl|klockan)\b.*)?$", re.IGNORECASE)
TIME_LINE_RE = re.compile(r"^(?:Tid|Plats och tid|Tidpunkt och lokal|Tid och plats|Datum och tid)\b", re.IGNORECASE)

# ---------------------------------------------------------------- roles (line)

ROLE_WORDS = {
    "ordförande": "ordförande", "ordf": "ordförande",
    "vice ordförande": "vice ordförande", "1:e vice ordförande": "vice ordförande",
    "2:e vice ordförande": "vice ordförande",
    "sekreterare": "sekreterare", "protokollförare": "sekreterare",
    "justerare": "justerare", "justerande": "justerare", "justeras": "justerare",
}
# "Sekreterare, §§ 10:1-10:8", "Ordförande", "Justerare: Bertil Berg (M)", "Ordförande\tAnna Ek (S)"
ROLE_LINE_RE = re.compile(
    r"^(?P<role>(?:(?:1:e|2:e)\s+)?vice ordförande|ordförande|sekreterare|protokollförare|justerare|justerande)"
    r"(?:\s*,?\s*(?P<paras>§§?\s*[\d:]+(?:\s*[-–]\s*[\d:]+)?(?:\s*(?:,|och)\s*[\d:]+(?:\s*[-–]\s*[\d:]+)?)*))?"
    r"(?:(?:\s*[:\t]\s*|\s+(?=[._…]))(?P<rest>.+))?$",
    re.IGNORECASE,
)
# "Utses att justera\t§ 10:2, Ann-Christine Furustrand (S)", "Justerare\tBertil Berg (M)"
APPOINTED_JUSTERARE_RE = re.compile(r"^(?:Utses att justera|Justerare|Justerande)\s*[:\t]\s*(?P<rest>.+)$", re.IGNORECASE)
# a § choosing the justerare: "Produktionsutskottet utser Ann-Christine Furustrand (S) till justerare.",
# "Till justeringsperson valdes Ulf Olsson.", "Viktor Wall (M) utses att justera protokollet."
CHOSEN_JUSTERARE_RES = [
    re.compile(rf"\b(?:utser|väljer|valde|utsåg)\s+(?P<name>{NAME})\s*(?:{PARTY})?\s+(?:till|att)\s+juster", re.IGNORECASE),
    re.compile(rf"\bTill\s+(?:justerare|justeringsperson)\s+(?:valdes|utsågs|utses|väljs)\s+(?P<name>{NAME})\s*(?:{PARTY})?"),
    re.compile(rf"^(?P<name>{NAME})\s*(?:{PARTY})?\s+(?:utses|väljs|valdes|utsågs)\s+(?:till|att)\s+juster"),
]
# "Justeringsdatum 2024-03-20", "Justerat 2024-03-20", "Justeringens plats och tid Kommunhuset 2024-03-20"
JUSTERING_DATE_RE = re.compile(
    r"^(?:Justeringsdatum|Justerat|Datum för justering|Justeringens plats och tid|Paragrafer justerade)\b[^\d]*(?P<date>\d{4}-\d{2}-\d{2})",
    re.IGNORECASE,
)
# an e-signature stamp: "[Ulf Olsson (Jun 22, 2023 13:40 GMT+2)](#)", "Ulf Olsson (2024-03-20 14:02)"
SIGNATURE_RE = re.compile(
    r"^\[?(?P<name>[^\[\]()]+?)\s*\((?:(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4})|(?P<iso>\d{4}-\d{2}-\d{2}))[^)]*\)"
)
# a § that sets when the protocol is to be justerat: "Protokollet justeras senast måndag 21 september
# klockan 09.00" (the date by which it was signed; "föreslås justeras" is the proposal, not the decision)
SV_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
JUSTERING_DEADLINE_RE = re.compile(
    r"\bProtokollet\s+(?:ska\s+|skall\s+)?justeras\s+(?:senast\s+|den\s+)?(?:(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?\s+)?"
    r"(?:den\s+)?(?P<day>\d{1,2})\s+(?P<month>" + "|".join(SV_MONTHS) + r")(?:\s+(?P<year>\d{4}))?", re.IGNORECASE)
MONTHS_EN = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
# "Signerat av Bertil Berg (M) 2024-03-20" / "Elektroniskt signerad ... 2024-03-20"
SIGNED_RE = re.compile(r"^(?:Signerat|Signerad|Elektroniskt (?:signerat|signerad|undertecknad))\b.*?(?P<date>\d{4}-\d{2}-\d{2})", re.IGNORECASE)

# ---------------------------------------------------------------- närvarolista (line)

# headings of the attendance lists, and what the people under them are
ATTENDANCE_HEADINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:Tjänstgörande ersättare|Tjänstgörande ersättare:)$", re.IGNORECASE), "ersättare"),
    (re.compile(r"^(?:Beslutande|Beslutande ledamöter|Närvarande ledamöter|Ledamöter)(?:\s*:)?$", re.IGNORECASE), "ledamot"),
    (re.compile(r"^(?:Ersättare|Närvarande ersättare|Icke tjänstgörande ersättare|Ej tjänstgörande ersättare)(?:\s*:)?$", re.IGNORECASE), "ersättare"),
    (re.compile(r"^(?:Övriga|Övriga närvarande|Övriga deltagande|Övriga deltagare|Närvarande tjänstemän|Tjänstemän)(?:\s*:)?(?:\tFunktion)?$", re.IGNORECASE), "övrig"),
    (re.compile(r"^(?:Frånvarande|Frånvarande ledamöter)(?:\s*:)?$", re.IGNORECASE), "frånvarande"),
]
# a line ending the attendance lists
ATTENDANCE_END_RE = re.compile(
    r"^(?:Utses att justera|Justerare|Justeringens|Underskrifter|Paragrafer|Sekreterare|Ordförande|Justerande|Anslagsbevis|Plats och tid för justering)\b",
    re.IGNORECASE,
)
# a närvarolista table's header: "Parti\tLedamöter\tNärvarande\tEj tjänstgörande §§\tErsättare §§"
ATTENDANCE_TABLE_HEAD_RE = re.compile(r"^(?:Parti\t)?(?:Ledamöter|Ledamot|Namn)\t.*(?:Närvarande|Närv|Ersättare)", re.IGNORECASE)
# the same table when a PDF's text lost its tabs: "Parti Ledamöter Närvarande Ersättare §§", then
# "SD Nora Palm Oskar Rehn (SD) 4-6" / "S Karin Ljung, ordförande X" (party, name, function, X, ersättare, §§)
SPACED_TABLE_HEAD_RE = re.compile(r"^Parti\s+(?:Ledamöter|Ledamot|Namn)\s+Närvarande\b", re.IGNORECASE)
SPACED_TABLE_ROW_RE = re.compile(
    rf"^(?P<party>[A-ZÅÄÖ]{{1,3}})\s+(?P<name>{NAME})(?:,\s*(?P<function>[^X(]+?))?(?:\s+(?P<present>X))?"
    rf"(?:\s+(?P<sub>{NAME})(?:\s*\((?P<sub_party>[A-ZÅÄÖ]{{1,3}})\))?)?(?:\s+(?P<paras>[\d:]+(?:\s*[-–]\s*[\d:]+)?))?$"
)
# a person line of a list: "Anna Ek (S), ordförande", "Miguel Odhner, Kungälv", "Eva Gran\tKommundirektör"
PERSON_LINE_RE = re.compile(rf"^(?P<name>{NAME})(?:\s*{PARTY})?(?:(?:\s*(?:,|\t)\s*|\s+(?=(?:för|ersätter|tjänstgör|i stället för)\b))(?P<rest>.+))?$")
# "tjänstgörande ersättare för Per Ek (SD)", "ersätter Per Ek", "tjänstgör för Per Ek (SD) §§ 12–14"
SERVING_FOR_RE = re.compile(rf"(?:ersättare för|tjänstgör(?:ande)? för|ersätter|i stället för|för)\s+(?P<name>{NAME})(?:\s*{PARTY})?", re.IGNORECASE)
PARAS_RE = re.compile(r"§§?\s*(?P<paras>[\d:]+(?:\s*[-–]\s*[\d:]+)?(?:\s*(?:,|och)\s*[\d:]+(?:\s*[-–]\s*[\d:]+)?)*)")

# ---------------------------------------------------------------- inside a § (paragraph text)

# "Michaela Fletcher (M) yrkar bifall …", "Anna Ek (S) och Bo Berg (V) yrkar …"
YRKAR_RE = re.compile(rf"(?P<who>(?:{NAME}\s*{PARTY.replace('?P<party>', '?:')}(?:\s*,\s*|\s+och\s+)?)+)\s+yrkar\b(?P<what>.*)", re.DOTALL)
# "Bo Berg (V) instämmer i Anna Eks (S) yrkande"
INSTAMMER_RE = re.compile(rf"(?P<who>{NAME})\s*{PARTY}\s+instämmer\s+i\s+(?P<whose>{NAME})\s*\((?P<whose_party>[^)]+)\)s?\s+yrkande")
# the kind of a yrkande, from the words after "yrkar" (first match wins)
YRKANDE_KIND_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\båterremi|\båterremitter", re.IGNORECASE), "återremiss"),
    (re.compile(r"^\W*(?:att\s+\w+\s+)?bifall\b", re.IGNORECASE), "bifall"),
    (re.compile(r"^\W*avslag\b", re.IGNORECASE), "avslag"),
    (re.compile(r"\b(?:ändring|ändras|tillägg|tilläggs|stryks|ersätts)\w*", re.IGNORECASE), "ändring"),
    (re.compile(r"^\W*(?:på\s+)?bifall\b", re.IGNORECASE), "bifall"),
]
# "Ordförande frågar om … och finner att …", "Ordföranden ställer proposition på … och finner att …"
PROPOSITION_RE = re.compile(r"^Ordförande[n]?\s+(?:frågar|ställer|ställde|frågade)\b(?P<body>.*?)\bfinner\s+att\s+(?P<finding>.*)$", re.DOTALL | re.IGNORECASE)
# "enligt Michaela Fletchers (M) yrkande", "bifall till Anna Eks (S) yrkande"
PUT_RE = re.compile(rf"(?P<name>{NAME})\s*{PARTY}\s+(?:yrkande|förslag|ändringsyrkande|återremissyrkande)")
SO_IT_IS_RE = re.compile(r"så\s+(?:är|var)\s+fallet|bifall(?:er|it|a)?\b", re.IGNORECASE)

# omröstning
VOTE_MARK_RE = re.compile(r"\bOmröstning\b|\bVotering\b", re.IGNORECASE)
# a vote list row in words: "Anna Ek (S)<tab>Nej" or "Anna Ek (S) Nej" (a row of X marks is read by its table's header)
VOTE_ROW_RE = re.compile(rf"^(?P<name>{NAME})[ ]*(?:{PARTY})?(?:[ ]*\t(?P<cells>.*)|\s+(?P<word>ja|nej|avstår|avstod)\b.*)$", re.IGNORECASE)
VOTE_HEAD_WORDS_RE = re.compile(r"^(?:Ledamot|Ledamöter|Namn)\b")  # a header whose tabs a PDF lost
VOTE_WORDS = {"ja": "ja", "nej": "nej", "avstår": "avstår", "avstod": "avstår"}
# a vote list as a table, by its header's cells: "Ledamöter\tTjänstgörande ersättare\tJa\tNej\tAvstår",
# "Namn\tParti\tJa\tNej\tAvstår"; a mark column is one of VOTE_COLUMN_HEADS, and an X under it is the vote
VOTE_COLUMN_HEADS = {"ja": "ja", "nej": "nej", "avstår": "avstår", "avstod": "avstår", "avst": "avstår", "avstående": "avstår"}
VOTE_PARTY_HEAD_RE = re.compile(r"^Parti(?:beteckning)?$", re.IGNORECASE)
# the column of the ersättare who served, and so voted, in the ledamot's place
VOTE_SUBSTITUTE_HEAD_RE = re.compile(r"^(?:Tjänstgörande\s+)?ersättare$|^Tjg\.?\s*ers\.?$", re.IGNORECASE)
VOTE_MARKS = {"X", "x", "×", "✓", "✔"}
# the person cell of a table row: "Anna Ek (S)", "Lena Sjöberg (C), ordförande", "Ida Persson, tjg ers"
VOTE_PERSON_CELL_RE = re.compile(rf"^(?P<name>{NAME})[ ]*(?:{PARTY})?(?:\s*,\s*[^\t(]*)?$")
VOTE_TOTALS_RES: dict[str, re.Pattern[str]] = {
    # "Med 7 röster mot 4 beslutar nämnden …": the first count is for the proposal adopted
    "ja": re.compile(r"(?P<n>\d+)\s+ja(?:-|\s)?röst(?:er)?|\bJa(?:-röster)?\s*[:\t]\s*(?P<m>\d+)\b|\bmed\s+(?P<k>\d+)\s+röster\s+mot\s+\d+", re.IGNORECASE),
    "nej": re.compile(r"(?P<n>\d+)\s+nej(?:-|\s)?röst(?:er)?|\bNej(?:-röster)?\s*[:\t]\s*(?P<m>\d+)\b|\bmed\s+\d+\s+röster\s+mot\s+(?P<k>\d+)", re.IGNORECASE),
    "avstar": re.compile(r"(?P<n>\d+)\s+(?:(?:ledamot|ledamöter|som)\s+)?avst(?:år|od)|\bAvstår\s*[:\t]\s*(?P<m>\d+)\b", re.IGNORECASE),
}
JA_MEANS_RE = re.compile(r"Ja(?:-röst)?\s+(?:för|=)\s+(?P<what>[^,.;]+)", re.IGNORECASE)

# reservation, protokollsanteckning, jäv
RESERVATION_RE = re.compile(r"\breserver(?:ar|ade|ing)\b|\breservation\b", re.IGNORECASE)
RESERVATION_AGAINST_RE = re.compile(r"\bmot\s+(?P<against>(?:[^.]|\.\d)+?)(?=(?:\s*,\s*se\b|\s*\(|\s+till förmån|\s+med hänvisning|\.|$))", re.IGNORECASE)
WRITTEN_RE = re.compile(r"\bskriftlig\w*|\bbilaga\b|\bbifogas\b", re.IGNORECASE)
BILAGA_RE = re.compile(r"\b[Bb]ilaga\s+(?P<bilaga>\d+|[A-Z])\b")
ANTECKNING_RE = re.compile(r"\bprotokollsanteckning\w*\b|\banteckning till protokollet\b|\bantecknar\b", re.IGNORECASE)
JAV_RE = re.compile(r"\bjäv\w*\b", re.IGNORECASE)
JAV_NOT_RE = re.compile(r"\bpåminnelse om jäv|jävsbestämmelser|ingen\s+anmäl\w*\s+jäv|inget\s+jäv", re.IGNORECASE)
# a party named by its group: "Sverigedemokraterna reserverar sig", "M-gruppen", "Moderaternas ledamöter"
PARTY_GROUP_RE = re.compile(r"\b(?P<group>Socialdemokraterna|Moderaterna|Sverigedemokraterna|Centerpartiet|Vänsterpartiet|Liberalerna|Kristdemokraterna|Miljöpartiet)(?:s\s+ledamöter|s\s+grupp)?\b|\b(?P<letter>S|M|SD|C|V|L|KD|MP)-gruppen\b")
PARTY_NAMES = {
    "socialdemokraterna": "S", "moderaterna": "M", "sverigedemokraterna": "SD", "centerpartiet": "C",
    "vänsterpartiet": "V", "liberalerna": "L", "kristdemokraterna": "KD", "miljöpartiet": "MP",
}
