"""The pure functions under the pipeline, one input at a time: cell text -> value.

Each case is written by hand with its right answer worked out from the rule it
checks (a French date is day first, a decimal comma, Excel's day 1 is 1900-01-01…),
so a change of behaviour shows here before it shows in a whole workbook.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.readers.headers import closest_header, match_header
from pipeline.model.fields import ENTITIES, OFFER_ENTITIES
from pipeline.readers.normalise import (
    Unconvertible,
    clean_code,
    convert_cell,
    parse_bool,
    parse_date,
    parse_number,
)
from pipeline.readers.placeholders import blank_placeholders, is_placeholder
from pipeline.model.text import column_letter, fold

SEPT_7 = dt.date(2026, 9, 7)


def field(entity: str, name: str):
    return ENTITIES[entity].field(name)


# ------------------------------------------------------------------------ dates
@pytest.mark.parametrize(
    "text",
    [
        "07/09/2026",
        "7/9/2026",
        "07.09.2026",
        "07-09-2026",
        "07/09/26",
        "07/09/2026 00:00",
        "07/09/2026 08:30:00",
        "2026-09-07",
        "2026-9-7",
        "2026-09-07T00:00:00",
        "2026-09-07 08:30:00.250",
        " 07/09/2026 ",
        "46272",  # Excel serial: 2026-01-01 is 46023, plus 249 days
        "46272,5",  # a serial with a time of day
    ],
)
def test_date_spellings(text):
    assert parse_date(text) == SEPT_7


def test_date_is_day_first():
    assert parse_date("01/02/2026") == dt.date(2026, 2, 1)


def test_excel_serials_count_from_the_last_day_of_1899():
    """Excel's day 60 is a 29 February 1900 that never was: from day 61 on, day 0 is 1899-12-30."""
    assert parse_date("10000") == dt.date(1927, 5, 18)
    assert parse_date("46023") == dt.date(2026, 1, 1)


@pytest.mark.parametrize("text", ["2020", "1999", "61", "2026.0"])
def test_a_bare_year_or_a_small_number_is_not_a_date(text):
    """A date column holding 2020 means a year, not Excel's day 2020 (1905-07-12)."""
    with pytest.raises(Unconvertible):
        parse_date(text)


def test_month_first_column():
    assert parse_date("9/7/26", "mdy") == dt.date(2026, 9, 7)
    assert parse_date("09/07/2026") == dt.date(2026, 7, 9)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "00/01/2026", "demain", "0", "2958466", "", "07/09"])
def test_impossible_dates(text):
    with pytest.raises(Unconvertible):
        parse_date(text)


# ---------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1 540,50", 1540.5),
        ("1\u00a0540,50", 1540.5),
        ("1\u202f540,50", 1540.5),
        ("1.540,50", 1540.5),
        ("1,540.50", 1540.5),
        ("1 200 €", 1200.0),
        ("20 %", 20.0),
        ("-3", -3.0),
    ],
)
def test_number_spellings(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["douze", "1,2,3", "12 h", ""])
def test_not_numbers(text):
    with pytest.raises(Unconvertible):
        parse_number(text)


@pytest.mark.parametrize("text, rate", [("20 %", 0.2), ("20", 0.2), ("0,2", 0.2), ("5,5", 0.055), ("0", 0.0)])
def test_vat_rate_as_fraction_or_percentage(text, rate):
    assert convert_cell(text, field("dispositif", "taux_tva")) == pytest.approx(rate)


@pytest.mark.parametrize("text", ["12,5", "douze"])
def test_whole_number_field_refuses_a_fraction(text):
    with pytest.raises(Unconvertible):
        convert_cell(text, field("dispositif", "nb_places"))


def test_whole_number_field_takes_an_excel_float():
    assert convert_cell("12.0", field("dispositif", "nb_places")) == 12


# ------------------------------------------------------------------------ yes/no
@pytest.mark.parametrize("text", ["oui", "Oui", "OUI", " o ", "x", "X", "1", "vrai", "Vrai", "true", "yes", "y"])
def test_yes(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["non", "Non", "N", "0", "faux", "false", "no"])
def test_no(text):
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["", "peut-être", "oui non", "2"])
def test_neither_yes_nor_no(text):
    with pytest.raises(Unconvertible):
        parse_bool(text)


# ----------------------------------------------------------------------- folding
@pytest.mark.parametrize(
    "text, folded",
    [
        ("Date début *", "date debut"),
        ("date_debut", "date debut"),
        ("  DATE   DÉBUT  ", "date debut"),
        ("Cœur de métier", "coeur de metier"),
        ("ŒUVRE", "oeuvre"),
        ("Niveau 4 (CAP, BEP)", "niveau 4 cap bep"),
        ("+33 2 40", "+33 2 40"),
        ("-", ""),
        (12, "12"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def _fold_by_character(text) -> str:
    """fold() as first written: one unicodedata call per character (the reference)."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("Œ", "oe").lower()
    return re.sub(r"[^a-z0-9+]+", " ", text).strip()


@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
    | st.text(alphabet="aéÉèœŒ İK -_*+0ﬁ\u0301\u0327ß東", max_size=40)
)
def test_fold_same_as_per_character_reference(text):
    assert fold(text) == _fold_by_character(text)


# ----------------------------------------------------------------------- headers
@pytest.mark.parametrize("header", ["Date début *", "Date début", "date_debut", "DATE DEBUT", "Date de début", "début"])
def test_header_spellings_of_a_session_start(header):
    assert match_header(header, ("session",)) == "date_debut"


def test_header_of_another_entity_is_not_matched():
    assert match_header("Date début", ("formation",)) is None


def test_flat_layout_matches_the_fields_of_every_entity():
    assert match_header("Date fin", OFFER_ENTITIES) == "date_fin"
    assert match_header("Nb places", OFFER_ENTITIES) == "nb_places"


def test_closest_header_suggests_the_template_label():
    assert closest_header("Date débbut", ("session",)) == "Date début *"
    assert closest_header("zzzz", ("session",)) is None


# ---------------------------------------------------------------- column letters
@pytest.mark.parametrize(
    "index, letter",
    [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_column_letter(index, letter):
    assert column_letter(index) == letter


# ----------------------------------------------------------------- code cleaning
@pytest.mark.parametrize(
    "text, clean",
    [
        ("130 005 119 00032", "13000511900032"),
        ("130.005.119.00032", "13000511900032"),
        ("130-005-119-00032", "13000511900032"),
        ("13000511900032.0", "13000511900032"),  # a number cell read as a float
    ],
)
def test_siret_cleaning(text, clean):
    assert clean_code(text, field("site", "siret")) == clean


@pytest.mark.parametrize(
    "text, clean",
    [
        ("44000", "44000"),
        ("44 000", "44000"),
        ("44000.0", "44000"),
        ("1000", "01000"),  # Excel dropped the leading zero of 01000
        ("1000.0", "01000"),
        ("440", "440"),  # too short to guess: left for the format check
        ("44.000", "44000"),  # a dot inside the postcode, not a fraction
    ],
)
def test_postcode_cleaning(text, clean):
    assert clean_code(text, field("site", "code_postal")) == clean


def test_phone_cleaning():
    assert clean_code("02.40.20.30.40", field("site", "telephone")) == "0240203040"
    assert clean_code("+33 2 40 20 30 40", field("site", "telephone")) == "+33240203040"


@pytest.mark.parametrize(
    "name, text, clean",
    [
        ("code_rncp", "35830", "RNCP35830"),
        ("code_rncp", "rncp 35830", "RNCP35830"),
        ("code_rncp", "35830.0", "RNCP35830"),
        ("code_rncp", "35830,0", "RNCP35830"),  # a French decimal with a zero fraction
        ("code_certifinfo", "111669,0", "111669"),
        ("code_certifinfo", "111669,00", "111669"),
        ("code_certifinfo", "111669,5", "111669,5"),  # not a whole number: left for the format check
        ("code_rs", "5678", "RS5678"),
        ("code_rs", "rs5678", "RS5678"),
    ],
)
def test_certification_codes_get_their_prefix(name, text, clean):
    assert clean_code(text, field("formation", name)) == clean


# ------------------------------------------------------------------ placeholders
@pytest.mark.parametrize(
    "text",
    [
        "-",
        "--",
        "/",
        "?",
        "…",
        " - ",
        "NC",
        "nc",
        "N/C",
        "n.c.",
        "NR",
        "N/A",
        "#N/A",
        "00000000",
        "00/00/0000",
        "0000-00-00",
        "NULL",
        "nan",
        "Non communiqué",
        "NON RENSEIGNÉ",
        "à compléter",
        "A COMPLETER",
    ],
)
def test_placeholders(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["", "   ", "0", "Nantes", "non", "NCA", "07/09/2026", "44000", "-1"])
def test_not_placeholders(text):
    assert not is_placeholder(text)


def test_blank_placeholders_keeps_the_other_cells():
    column = pd.Series(["-", "Nantes", None, "NC", "0"], dtype=object)
    assert blank_placeholders(column).tolist() == ["", "Nantes", None, "", "0"]


def _is_placeholder_whole(text: str) -> bool:
    """is_placeholder() folding the whole text (the reference for its shortcut)."""
    import unicodedata
    from pipeline.readers.placeholders import placeholder_values

    stripped = text.strip()
    if not stripped:
        return False
    folded = fold(stripped)
    if not folded:
        return all(unicodedata.category(c)[0] in "PSZ" for c in stripped)
    return folded in placeholder_values()


@given(
    st.lists(
        st.sampled_from(
            [
                "-",
                " ",
                ".",
                "…",
                "NC",
                "n/a",
                "Non",
                "renseigné",
                "é",
                "\u0301",
                "ﬁ",
                "œ",
                "a",
                "1",
                "+",
                "東",
                "- - - -",
                "x" * 30,
                "   ",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_placeholder_shortcut_for_long_texts_gives_the_same_answer(text):
    assert is_placeholder(text) == _is_placeholder_whole(text)


def test_long_punctuation_before_a_placeholder_is_still_one():
    assert is_placeholder("-" * 100 + " NC")
    assert not is_placeholder("Objectif : " + "former des aides-soignants " * 5)


@given(st.text(max_size=80) | st.text(alphabet="ab\t\n\r\x00\u200b☺€\ue000", max_size=80))
def test_special_characters_each_once_in_order(text):
    import unicodedata
    from pipeline.validators.session import ALLOWED_CONTROLS, REFUSED_CATEGORIES, special_characters

    expected: list[str] = []
    for ch in text:
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) in REFUSED_CATEGORIES and ch not in expected:
            expected.append(ch)
    assert special_characters(text) == expected
