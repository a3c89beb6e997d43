"""Synthetic committee documents full of personal data, written for the tests of issue 19.

Every personnummer here is made from its definition (a date, three digits, the Luhn digit
over YYMMDDNNN), not by the code under test; the invalid ones break exactly one rule (the
check digit, or the date). They stand among what real protocols are full of, in the
corpus's own styles: diarienummer ("Dnr. PU 2020/0011", "KS 2015/0119-100",
"UBN.2023.428"), dates ("2020-09-16", "16 september 2020"), times ("08.00-08.48"), amounts
("10 000 tkr", "-954 463"), § numbers ("KSPU § 10:3") and organisationsnummer.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

FORMS = ("YYYYMMDD-NNNN", "YYYYMMDDNNNN", "YYMMDD-NNNN", "YYMMDDNNNN", "YYMMDD+NNNN")


def luhn_digit(nine: str) -> int:
    """The check digit of YYMMDDNNN: digits weighted 2,1,2,…, products' digits summed."""
    total = 0
    for i, ch in enumerate(nine):
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v // 10 + v % 10
    return (10 - total % 10) % 10


def written(day: dt.date, serial: int, form: str, coordination: bool = False, check: int | None = None,
            day_override: int | None = None, month_override: int | None = None) -> str:
    d = day_override if day_override is not None else day.day + (60 if coordination else 0)
    m = month_override if month_override is not None else day.month
    yy = f"{day.year % 100:02d}{m:02d}{d:02d}"
    nine = f"{yy}{serial:03d}"
    c = luhn_digit(nine) if check is None else check
    tail = f"{serial:03d}{c}"
    full = f"{day.year}{m:02d}{d:02d}"
    return {"YYYYMMDD-NNNN": f"{full}-{tail}", "YYYYMMDDNNNN": f"{full}{tail}", "YYMMDD-NNNN": f"{yy}-{tail}",
            "YYMMDDNNNN": f"{yy}{tail}", "YYMMDD+NNNN": f"{yy}+{tail}"}[form]


def org_number(rng: random.Random) -> str:
    """NNNNNN-NNNN with the third digit 2 or more (never a month) and a Luhn digit."""
    nine = f"{rng.choice('25789')}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}"
    return f"{nine[:6]}-{nine[6:]}{luhn_digit(nine)}"


@dataclass
class Fixture:
    text: str
    valid: list[str] = field(default_factory=list)  # personnummer and samordningsnummer as written
    coordination: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)  # dnr, dates, amounts, § numbers that must stay


STREETS = ["Storgatan", "Kvarngatan", "Norra Vägen", "Göteborgsvägen", "Ekbacken", "Lilla Torget", "Skolvägen",
           "Älvängsvägen", "Bodholmsplan", "Södra Långgatan"]
ORTER = ["Nödinge", "Älvängen", "Skärholmen", "Surte", "Bohus", "Alafors", "Åkersberga", "Stockholm", "Göteborg"]
NAMES = ["Anna Lind", "Erik Berg", "Sara Holm", "Omar Haddad", "Lena Nyström", "Per Åberg", "Mira Öst", "Jonas Ek"]


def protocol(seed: int = 19, sections: int = 42, organ: str = "Socialnämndens individutskott") -> Fixture:
    """A protocol of `sections` paragraphs, each an individual matter with personal data."""
    rng = random.Random(seed)
    fx = Fixture("")
    lines = [f"Protokoll {organ}", "", "Sammanträdesdatum\t2023-05-10", "Tid\tOnsdag den 10 maj 2023, klockan 08.00-08.48",
             "Plats\tKommunhuset, Nödinge", "Justering tillkännagiven genom anslag\t2023-05-12 – 2023-06-05", ""]
    for n in range(1, sections + 1):
        day = dt.date(1920, 1, 1) + dt.timedelta(days=rng.randint(0, 34000))
        form = FORMS[n % len(FORMS)]
        if form == "YYMMDD+NNNN":  # "+": a hundred or older
            day = dt.date(1910, 1, 1) + dt.timedelta(days=rng.randint(0, 5800))
        pnr = written(day, rng.randint(1, 999), form)
        day2 = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 25000))
        form2 = FORMS[(n + 2) % 4]  # never "+" for the younger
        pnr2 = written(day2, rng.randint(1, 999), form2)
        sam = written(dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 20000)), rng.randint(1, 999),
                      FORMS[n % 4], coordination=True)
        bad_check = written(day2, rng.randint(1, 999), FORMS[n % 4])
        bad_check = bad_check[:-1] + str((int(bad_check[-1]) + rng.randint(1, 9)) % 10)
        month13 = written(day, rng.randint(1, 999), FORMS[(n + 1) % 4], month_override=rng.choice([0, 13, 19]))
        day_bad = written(dt.date(1990, 2, 1), rng.randint(1, 999), FORMS[(n + 3) % 4], day_override=rng.choice([30, 31, 32, 0]))
        sam_bad = written(dt.date(1980, 4, 1), rng.randint(1, 999), FORMS[n % 4], day_override=rng.choice([91, 92, 99]))
        fx.valid += [pnr, pnr2, sam]
        fx.coordination.append(sam)
        fx.invalid += [bad_check, month13, day_bad, sam_bad]
        who, who2 = rng.choice(NAMES), rng.choice(NAMES)
        user = who.lower().replace(" ", ".").replace("å", "a").replace("ä", "a").replace("ö", "o")
        email = f"{user}{n}@{rng.choice(['gmail.com', 'hotmail.se', 'ale.se', 'telia.com'])}"
        phone = rng.choice([f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                            f"08-{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(10, 99)}",
                            f"+46 70 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                            f"031-{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                            f"073- {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"])
        street = f"{rng.choice(STREETS)} {rng.randint(1, 120)}{rng.choice(['', ' B', 'A'])}"
        post = f"{rng.randint(100, 989)} {rng.randint(10, 99)}"
        ort = rng.choice(ORTER)
        address = f"{street}, {post} {ort}" if n % 3 else f"{street}\n{post} {ort}"
        org = org_number(rng)
        dnr = rng.choice([f"Dnr. SN {2015 + n % 9}/{rng.randint(1, 999):04d}", f"Dnr KS 2015/0119-{100 + n}",
                          f"Diarienummer: 2023/{400 + n}", f"Diarienummer:UBN.2023.{rng.randint(100, 999)}"])
        amount = rng.choice([f"{rng.randint(1, 99)} 000 kronor", f"{rng.randint(100, 999)} {rng.randint(100, 999)} kr",
                             f"-{rng.randint(100, 999)} {rng.randint(100, 999)}", f"{rng.randint(1, 40)} 000 tkr"])
        date = rng.choice([f"2023-0{rng.randint(1, 9)}-{rng.randint(10, 28)}", f"{rng.randint(1, 28)} september 2022"])
        fx.phones.append(phone)
        fx.emails.append(email)
        fx.addresses.append(address)
        fx.orgs.append(org)
        fx.noise += [dnr.split(":")[-1].replace("Dnr. ", "").replace("Dnr ", "").strip(), amount, date, f"§ {n}"]
        lines += [
            f"§ {n}\tAnsökan om bistånd enligt 4 kap. 1 § SoL",
            dnr,
            "",
            "Ärendebeskrivning",
            f"{who}, {pnr}, har den {date} ansökt om ekonomiskt bistånd om {amount}. "
            f"Medsökande {who2} ({pnr2}) bor på samma adress.",
            f"Adress: {address}",
            f"Telefon: {phone}, e-post {email}.",
            f"Samordningsnummer för medsökandes barn: {sam}.",
            f"Hyresvärd: Alebyggen AB, organisationsnummer {org}.",
            f"Felaktigt angivna nummer i ansökan: {bad_check} och {month13}; i bilaga {day_bad}, {sam_bad}.",
            f"Jämför KSPU § {n}:3 och beslut 2023-04-{10 + n % 18:02d} § {n + 100}, budget 2 000 10 000 40 000 30 000.",
            "",
            "Beslut",
            f"Individutskottet beviljar {who}, {pnr}, bistånd med {amount} för perioden 2023-06-01 – 2023-12-31.",
            "",
        ]
    lines += ["Vid protokollet", "Sekreterare Maria Svensson", "Justerare Lars Eriksson"]
    fx.text = "\n".join(lines) + "\n"
    return fx
