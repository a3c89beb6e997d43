"""The identifiers of committee records — § labels and diarienummer — in one place.

Every stage needs them: ingest finds § headings and Dnr lines, the index keeps them whole as
BM25 tokens and looks them up exactly, the app groups sections into matters by dnr. Their
patterns live here so that a new written form is taught once.

**Paragraphs (§).** `KSPU § 10:3`, `§ 43`, `KS § 7`: an optional organ prefix, the sign and
a number with an optional `:sub` part. Labels are stored normalised to one space after `§`.

**Diarienummer.** Written forms in the corpus: `Dnr. PU 2020/0011`, `Diarienummer: 2023/109`,
`Diarienummer:UBN.2023.428`, `UBN.2023/467`, `Dnr KS 2015/0119-100`, `Dnr 2021/0003`.
The key drops the organ prefix and leading zeros so that `UBN.2023.428` and `2023/428`
(the same matter in one bundle) compare equal: `2023/428`; a sub-number is kept
(`2015/119-100`). Placeholders such as `ÄRENDENUMMER` are not dnrs.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- paragraphs (§)

# "10:3", "43": the number of a paragraph
PARA_NUM = r"\d{1,3}(?::\d{1,3})?"
# a paragraph label as written at the start of its heading: "KSPU § 10:3", "§ 43", "KS §7"
PARA_LABEL = rf"(?:[A-ZÅÄÖ][A-ZÅÄÖa-zåäö-]{{0,9}}\s+)?§\s?(?P<num>{PARA_NUM})"
# the number at the end of a normalised label ("KSPU § 10:3" → 10:3)
LABEL_NUM_RE = re.compile(rf"§ (?P<num>{PARA_NUM})$")
# the sign and its number anywhere in a text, any spacing: "§ 43", "§10:3"
PARA_SIGN_RE = re.compile(rf"§\s*{PARA_NUM}")
# a § reference anywhere in free text (a query): "§ 43", "KSPU §10:3"
PARA_REF_RE = re.compile(rf"(?:(?P<org>[A-ZÅÄÖ]{{2,6}})\s*)?§\s?(?P<num>{PARA_NUM})")


def normalise_para_label(label: str) -> str:
    """`KSPU  §10:3` → `KSPU § 10:3`: one space inside, one after the sign."""
    label = re.sub(r"\s+", " ", label).strip()
    return re.sub(r"§\s*", "§ ", label)


# ---------------------------------------------------------------- diarienummer

# prefix (letters, optionally with a dot or space), year, separator, serial, optional sub-number
_DNR_CORE = r"(?:(?P<prefix>[A-ZÅÄÖ]{1,6})[ .]?)?(?P<year>(?:19|20)\d{2})\s?[/.]\s?(?P<serial>\d{1,5})(?:\s?-\s?(?P<sub>\d{1,4}))?"
# not followed by another ".NN" (a dotted date such as 2023.11.20)
DNR_RE = re.compile(rf"(?<![\w/.]){_DNR_CORE}(?![\w/]|\.\d)")
# a labelled dnr line: "Dnr. PU 2020/0011", "Diarienummer: 2023/109", "Dnr KS 2015/0119-100"
DNR_LINE_RE = re.compile(
    rf"^\s*(?:Dnr\.?|Diarienummer:?|Diarie\s?nr\.?:?)\s*(?P<written>{_DNR_CORE})\s*$",
    re.IGNORECASE,
)
DNR_LABEL_RE = re.compile(r"^\s*(?:Dnr\.?|Diarienummer:?)\s*(?P<value>\S.*?)\s*$", re.IGNORECASE)
# an agenda table cell that holds nothing but a dnr: "2023/109", "UBN 2023/450"
AGENDA_DNR_CELL_RE = re.compile(r"[\w .]*\d{4}[/.]\d+(?:-\d+)?")

# ---------------------------------------------------------------- tokens

# What a BM25 tokenizer must keep whole, in the order it must try them: § 43 / §10:3, a dnr
# (2023/428, 2023.428, 2015/0119-100), a paragraph number (10:3). A regex alternation.
IDENTIFIER_TOKENS = r"§\s?\d+(?::\d+)?|\d{4}[/.]\d+(?:-\d+)?|\d+(?::\d+)+"


def key_of_match(m: re.Match[str]) -> str | None:
    year, serial = int(m["year"]), m["serial"]
    # a school or budget year ("läsåret 2019/2020", "2022/23") is not a dnr
    if not m["prefix"] and not m["sub"] and m[0].count("/") == 1 and int(serial) in ((year + 1) % 100, year + 1):
        return None
    key = f"{year}/{int(serial)}"
    if m["sub"]:
        key += f"-{int(m['sub'])}"
    return key


def dnr_key(written: str) -> str | None:
    """Normalised key of a written dnr, or None when it is not one."""
    m = DNR_RE.search(written.strip())
    return key_of_match(m) if m else None


def parse_dnr_line(line: str) -> str | None:
    """The written dnr from a `Dnr …` / `Diarienummer: …` line, without the prefix word."""
    m = DNR_LINE_RE.match(line)
    if not m:
        return None
    return re.sub(r"\s+", " ", m["written"].strip())


def is_dnr_label_line(line: str) -> bool:
    """A `Dnr`/`Diarienummer` line, whether or not it holds a real dnr (placeholders too)."""
    return bool(DNR_LABEL_RE.match(line))


def is_agenda_dnr_cell(cell: str) -> bool:
    """An agenda cell that is a dnr and nothing else (not a time such as 08.15-08.20)."""
    return bool(dnr_key(cell) and AGENDA_DNR_CELL_RE.fullmatch(cell))


def find_dnr_keys(text: str) -> list[str]:
    """Keys of every dnr-looking token in free text (a query, an agenda row)."""
    keys = []
    for m in DNR_RE.finditer(text):
        k = key_of_match(m)
        if k and k not in keys:
            keys.append(k)
    return keys


def key_matches(query_key: str, section_key: str | None) -> bool:
    """A query `2015/119` matches a section `2015/119-100`; `2023/428` matches `2023/428`."""
    if not section_key:
        return False
    return section_key == query_key or section_key.split("-")[0] == query_key
