"""Generated documentation stays in step with the code that generates it."""

from factory import ROOT
from pipeline.writers.codes_doc import codes_markdown
from pipeline.lheo import mapping
from pipeline.lheo.mapping_doc import mapping_markdown
from pipeline.lheo.order import occurs
from pipeline.model.fields import ENTITIES
from pipeline.model.codes import RULES


def test_codes_doc_is_generated_from_the_catalogue():
    committed = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert committed == codes_markdown(), "run `make docs` to regenerate docs/codes.md"


def test_every_spec_code_is_in_the_catalogue():
    spec_codes = {
        "REQUIRED",
        "TOO_LONG",
        "BAD_FORMAT",
        "BAD_ENUM",
        "DUPLICATE_KEY",
        "ORPHAN",
        "INCONSISTENT_REPEAT",
        "DATE_ORDER",
        "PLACES",
        "PRICE_TTC",
        "CERTIFINFO_UNKNOWN",
        "CERTIFINFO_INACTIVE",
        "RNCP_MISMATCH",
        "BLOC_UNKNOWN",
        "BLOCS_VALIDATION",
        "PARCOURS_INDIVIDUALISATION",
        "NO_CHILD",
        "TITLE_OVERRIDDEN",
        "DURATION_EXCEEDS_PERIOD",
        "SESSION_ENDED",
    }
    assert spec_codes <= set(RULES)
    assert {r.severity for r in RULES.values()} == {"error", "warning", "info"}
    warnings = {c for c, r in RULES.items() if r.severity == "warning"}
    assert {"TITLE_OVERRIDDEN", "DURATION_EXCEEDS_PERIOD", "SESSION_ENDED"} <= warnings


def test_lheo_mapping_doc_is_generated_from_the_table():
    committed = (ROOT / "docs" / "lheo-mapping.md").read_text(encoding="utf-8")
    assert committed == mapping_markdown(), "run `make docs` to regenerate docs/lheo-mapping.md"


def test_lheo_mapping_has_every_field_of_the_model_once():
    for entity, spec in ENTITIES.items():
        assert [r.field for r in mapping.rows(entity)] == spec.names, entity
    assert {r.entity for r in mapping.ROWS} == set(ENTITIES)


def test_lheo_mapping_occurrences_are_those_of_the_xsd():
    """`occurs` of each row is what the XSD allows for the path's last element; a site's
    or contact's path is read inside lieu-de-formation or organisme-formation-responsable /
    contact-formation."""
    checked = 0
    for r in mapping.ROWS:
        parts = r.path.split("/")
        if r.entity == "site":
            coordonnees = r.path.startswith("coordonnees/")
            parts.insert(0, "lieu-de-formation" if coordonnees else "organisme-formation-responsable")
        elif r.entity == "contact":
            parts.insert(0, "contact-formation")
        elements = [p for p in parts if p and not p.startswith("@")]
        for parent, child in zip(elements, elements[1:]):  # every step is an element of its parent
            assert occurs(parent, child) is not None, (r.entity, r.field, r.path)
        if not r.path or parts[-1].startswith("@"):
            assert r.card == "", (r.entity, r.field)
            continue
        assert occurs(parts[-2], parts[-1]) == r.card, (r.entity, r.field, r.path)
        checked += 1
    assert checked > 50


def test_lheo_mapping_standard_fields_have_a_path_or_are_the_parent_key():
    for r in mapping.ROWS:
        if r.how == mapping.STD:
            assert r.path, (r.entity, r.field)
        if r.how == mapping.NESTING:
            assert not r.path and r.field in ENTITIES[r.entity].key + ("ref_formation", "ref_action"), r
