"""Generated documentation stays in step with the code that generates it, and docs/web.md's
commands, options, variables and API calls with the code they name."""

import re
import shlex
from pathlib import Path

import click

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


WEB = ROOT / "docs" / "web.md"


def shell_blocks(text: str) -> list[str]:
    """The ```sh blocks of a page, indented ones (in a list) included, dedented."""
    import textwrap

    return [textwrap.dedent(b) for b in re.findall(r"^ *```sh\n(.*?)^ *```", text, flags=re.M | re.S)]


def fasd_commands(text: str):
    """Each `fasd …` command line of the page's shell blocks: (the click command, its words after it)."""
    from pipeline.cli.main import main

    for block in shell_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            starts = [i for i, w in enumerate(words) if w == "fasd" or w.endswith("/fasd")]
            if not starts:
                continue
            command, rest = main, words[starts[0] + 1 :]
            while isinstance(command, click.Group) and rest and rest[0] in command.commands:
                command, rest = command.commands[rest[0]], rest[1:]
            yield line, command, rest


def test_every_fasd_command_and_option_of_the_web_page_exists():
    text = WEB.read_text(encoding="utf-8")
    seen = set()
    for line, command, rest in fasd_commands(text):
        assert not isinstance(command, click.Group), line
        names = {o for p in command.params for o in p.opts + p.secondary_opts}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=", 1)[0] in names, (word, line)
        seen.add(command.name)
    assert {"serve", "init", "creer", "demandes", "jeton", "revoquer"} <= seen
    from pipeline.web.serve import serve

    options = {o for p in serve.params for o in p.opts}
    table = re.findall(r"^\| `(--[\w-]+)` \|", text, flags=re.M)
    assert len(table) > 10 and set(table) <= options and options - set(table) <= {"--help"}


def test_every_environment_variable_of_the_web_page_is_read_by_the_code():
    import pipeline

    text = WEB.read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for p in Path(pipeline.__file__).parent.rglob("*.py"))
    named = set(re.findall(r"\bFASD_[A-Z_]+", text))
    assert {"FASD_SMTP_URL", "FASD_MAIL_DIR", "FASD_MAIL_FROM", "FASD_URL_PUBLIQUE"} <= named
    assert {v for v in named if f'"{v}"' not in code} == set()


def api_calls(text: str):
    """(method, OpenAPI path) of each API call of the page: the cron script's and the table's."""
    from pipeline.web.jobs import DOWNLOADS

    (script,) = [b for b in shell_blocks(text) if b.startswith("#!/bin/sh")]
    for line in script.splitlines():
        for path in re.findall(r"\$URL(/api/[^\s\"]*)", line):
            path = path.replace("$ID", "{id}")
            name = re.search(r"/fichiers/([^/]+)$", path)
            if name:
                assert name.group(1) in DOWNLOADS, line
                path = path[: name.start(1)] + "{name}"
            yield ("post" if "-X POST" in line or " -F " in line else "get"), path, line
    for method, path in re.findall(r"^\| `(GET|POST) (/api/[^`]*)` \|", text, flags=re.M):
        yield method.lower(), path.replace("{nom}", "{name}"), path


def test_the_api_calls_of_the_web_page_are_those_of_the_api(tmp_path):
    from starlette.routing import Route

    from pipeline.web.api import openapi
    from pipeline.web.app import create_app
    from pipeline.web.settings import Settings

    described = openapi()["paths"]
    routes = {
        (m.lower(), r.path.replace("{job_id}", "{id}"))
        for r in create_app(Settings.make(tmp_path)).app.routes
        if isinstance(r, Route)
        for m in r.methods or ()
    }
    calls = list(api_calls(WEB.read_text(encoding="utf-8")))
    assert len(calls) >= 9  # the script's 5, the table's 4
    for method, path, line in calls:
        assert method in described.get(path, {}), line
        assert (method, path) in routes, line
    assert {(m, p) for m, p, _ in calls} == {
        (m, p) for p, ops in described.items() for m in ops if p != "/api/openapi.json"
    }
