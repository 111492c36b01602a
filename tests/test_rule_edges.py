"""Cross-record rules at their edges: the value just inside a limit and the one just
outside, so that moving a limit by one day or one cent fails a test.

These are the mutations that once survived the suite (issue 13): DATE_ORDER with
`<=` for `<`, PRICE_TTC's half-cent tolerance widened, SESSION_ENDED moved by a day.
"""

from __future__ import annotations

import pytest

from factory import TODAY, codes, finding, run_offer, valid_offer


def session_dates(debut: str, fin: str, **cells) -> dict:
    """The valid offer with its session moved to these dates (7 h in centre, so even a
    one-day session is a plausible duration)."""
    offer = valid_offer()
    offer["session"][0].update(date_debut=debut, date_fin=fin, duree_centre_h="7", **cells)
    return offer


# ------------------------------------------------------------------- DATE_ORDER
def test_one_day_session_is_in_order(tmp_path):
    assert codes(run_offer(tmp_path, session_dates("07/09/2026", "07/09/2026"))) == []


def test_session_ending_the_day_before_it_starts(tmp_path):
    f = finding(run_offer(tmp_path, session_dates("07/09/2026", "06/09/2026")), "DATE_ORDER")
    assert f["field"] == "date_fin"


def test_one_day_inscription_period_is_in_order(tmp_path):
    offer = session_dates(
        "07/09/2026",
        "30/10/2026",
        inscription_type="inscription",
        inscription_debut="01/07/2026",
        inscription_fin="01/07/2026",
    )
    assert codes(run_offer(tmp_path, offer)) == []


def test_inscription_ending_the_day_before_it_opens(tmp_path):
    offer = session_dates(
        "07/09/2026",
        "30/10/2026",
        inscription_type="inscription",
        inscription_debut="01/07/2026",
        inscription_fin="30/06/2026",
    )
    assert finding(run_offer(tmp_path, offer), "DATE_ORDER")["field"] == "inscription_fin"


# -------------------------------------------------------------------- PRICE_TTC
def priced(ttc: str) -> dict:
    """1 000 € HT at 20 %: 1 200,00 € TTC."""
    offer = valid_offer()
    offer["dispositif"][0].update(frais_ht="1000", taux_tva="20 %", frais_ttc=ttc)
    return offer


@pytest.mark.parametrize("ttc", ["1200", "1200,00", "1200,004", "1199,996"])
def test_price_within_half_a_cent(tmp_path, ttc):
    assert codes(run_offer(tmp_path, priced(ttc))) == []


@pytest.mark.parametrize("ttc", ["1200,006", "1199,994", "1200,01", "1199,99"])
def test_price_off_by_more_than_half_a_cent(tmp_path, ttc):
    f = finding(run_offer(tmp_path, priced(ttc)), "PRICE_TTC")
    assert f["field"] == "frais_ttc" and "1200,00" in f["message"]


# ---------------------------------------------------------------- SESSION_ENDED
def test_session_ending_on_the_run_date_is_not_ended(tmp_path):
    assert TODAY.strftime("%d/%m/%Y") == "01/03/2026"
    assert codes(run_offer(tmp_path, session_dates("02/02/2026", "01/03/2026"))) == []


def test_session_ending_the_day_before_the_run_date_is_ended(tmp_path):
    f = finding(run_offer(tmp_path, session_dates("02/02/2026", "28/02/2026")), "SESSION_ENDED")
    assert f["severity"] == "warning" and f["field"] == "date_fin"
