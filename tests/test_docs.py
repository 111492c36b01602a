"""Generated documentation stays in step with the code that generates it."""
from factory import ROOT
from pipeline.rules import RULES, codes_markdown


def test_codes_doc_is_generated_from_the_catalogue():
    committed = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert committed == codes_markdown(), "run `make docs` to regenerate docs/codes.md"


def test_every_spec_code_is_in_the_catalogue():
    spec_codes = {"REQUIRED", "TOO_LONG", "BAD_FORMAT", "BAD_ENUM", "DUPLICATE_KEY", "ORPHAN",
                  "INCONSISTENT_REPEAT", "DATE_ORDER", "PLACES", "PRICE_TTC", "CERTIFINFO_UNKNOWN",
                  "CERTIFINFO_INACTIVE", "RNCP_MISMATCH", "BLOC_UNKNOWN", "BLOCS_VALIDATION",
                  "PARCOURS_INDIVIDUALISATION", "NO_CHILD", "TITLE_OVERRIDDEN",
                  "DURATION_EXCEEDS_PERIOD", "SESSION_ENDED"}
    assert spec_codes <= set(RULES)
    assert {r.severity for r in RULES.values()} == {"error", "warning", "info"}
    warnings = {c for c, r in RULES.items() if r.severity == "warning"}
    assert {"TITLE_OVERRIDDEN", "DURATION_EXCEEDS_PERIOD", "SESSION_ENDED"} <= warnings
