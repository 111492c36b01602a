"""The registry of cross-record rules (pipeline/validators/registry.py) and the model
attributes that replaced branches on field names."""

import pandas as pd

from pipeline.model.fields import DIRECTORY_LINKS, ENTITIES, ENTITY_ORDER, OFFER_ENTITIES, Kind
from pipeline.model.codes import RULES
from pipeline.validators import cross
from pipeline.validators.registry import REGISTRY, Hits, _as_hits


def test_every_registered_rule_names_a_catalogued_code_an_entity_and_its_field():
    assert REGISTRY, "validators/cross.py registers the rules when imported"
    for entry in REGISTRY:
        assert set(entry.codes) <= set(RULES), entry.name
        if entry.entity is not None:
            assert entry.entity in ENTITIES
            assert entry.field is None or entry.field in ENTITIES[entry.entity].by_name


def test_rules_run_in_registration_order_fas_codes_first():
    names = [entry.name for entry in REGISTRY]
    assert names[0] == "fas.fas_codes"  # before DUPLICATE_KEY: the typed codes become the own numbers
    assert names.index("formation.required_by_certification") < names.index("cross.duplicate_keys")
    assert names.index("cross.derived_ttc") == names.index("cross.price_ttc") - 1
    assert cross.run_cross_checks  # the entry point run.py calls


def test_a_mask_flags_true_only_never_na():
    mask = pd.Series([True, None, False, pd.NA], dtype=object)
    [hits] = _as_hits(mask)
    assert list(hits.mask.fillna(False).astype(bool)) == [True, False, False, False]
    assert _as_hits([Hits(mask), Hits(mask, field="x")])[1].field == "x"


def test_entity_order_and_links_come_from_the_model():
    assert ENTITY_ORDER == ("site", "contact", "formation", "action", "session", "dispositif")
    assert OFFER_ENTITIES == ENTITY_ORDER[2:]
    assert DIRECTORY_LINKS[0] == ("contact", "code_site", "site")
    for e in ENTITIES.values():
        if e.parent:
            assert e.field(e.parent_field).links_to == e.parent
        for f in e.fields:
            assert isinstance(f.kind, Kind)
            assert (f.links_to is not None) == (f.kind is Kind.REF), (e.name, f.name)


def test_template_help_names_the_registered_rules_of_a_column():
    from pipeline.writers.template import header_comment

    session = ENTITIES["session"]
    text = header_comment(session, session.field("date_fin"))
    assert "Autres contrôles : Dates dans le désordre ; Session terminée." in text
    assert "Autres contrôles" not in header_comment(session, session.field("ref_session"))
