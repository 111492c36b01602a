"""`fasd compte`: create an account (its link printed and mailed through a real SMTP
server, or written as .eml), list the key requests, make and revoke API tokens."""

from __future__ import annotations

import email
import email.policy

import pytest
from click.testing import CliRunner

from pipeline import catalogue
from pipeline.catalogue.accounts import ACTIVATION, Accounts
from pipeline.cli.main import main

from smtp_server import smtp_server

SIRET = "12345678900011"


@pytest.fixture
def base(tmp_path):
    path = str(tmp_path / "catalogue.sqlite")
    catalogue.init(path, validation=False)
    return path


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env={"FASD_SMTP_URL": "", "FASD_MAIL_DIR": "", **(env or {})})


def test_creer_prints_the_link_and_mails_it_through_smtp(base):
    with smtp_server() as (url, inbox):
        result = run(
            "compte", "creer", "--base", base, "--email", "Marie@Exemple.fr", "--siret", SIRET,
            "--url-publique", "https://offres.exemple.fr/", env={"FASD_SMTP_URL": url},
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("https://offres.exemple.fr/activation/")
    assert [m["To"] for m in inbox.messages] == ["marie@exemple.fr"]
    assert inbox.links() == [link]
    with Accounts(base) as accounts:
        assert accounts.link_account(link.rsplit("/", 1)[1], ACTIVATION).sirets == (SIRET,)


def test_creer_without_smtp_writes_an_eml_file(base, tmp_path):
    folder = tmp_path / "courriels"
    result = run("compte", "creer", "--base", base, "--email", "a@exemple.fr", "--siret", SIRET, "--courriels", folder)
    assert result.exit_code == 0, result.output
    (eml,) = folder.glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert result.stdout.strip() in message.get_content() and message["To"] == "a@exemple.fr"


def test_creer_refuses_a_second_account_and_an_organisme_without_siret(base):
    assert run("compte", "creer", "--base", base, "--email", "a@exemple.fr", "--siret", SIRET).exit_code == 0
    again = run("compte", "creer", "--base", base, "--email", "A@exemple.fr", "--siret", SIRET)
    assert again.exit_code == 2 and "existe déjà" in again.output
    bare = run("compte", "creer", "--base", base, "--email", "b@exemple.fr")
    assert bare.exit_code == 2 and "au moins un établissement" in bare.output
    staff = run("compte", "creer", "--base", base, "--email", "c@exemple.fr", "--role", "carif")
    assert staff.exit_code == 0 and "tous les organismes" in staff.output


def test_jeton_then_revoquer(base):
    run("compte", "creer", "--base", base, "--email", "a@exemple.fr", "--siret", SIRET)
    made = run("compte", "jeton", "--base", base, "--email", "a@exemple.fr", "--libelle", "nuit")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("fasd_") and "jeton n° 1" in made.stderr
    with Accounts(base) as accounts:
        assert accounts.token_account(token) is None  # the account is not activated yet
    revoked = run("compte", "revoquer", "--base", base, "--jeton-id", "1")
    assert revoked.exit_code == 0 and "1 jeton(s) révoqué(s)" in revoked.output
    assert run("compte", "revoquer", "--base", base, "--jeton-id", "1").exit_code == 2
    assert run("compte", "revoquer", "--base", base).exit_code == 2
    unknown = run("compte", "jeton", "--base", base, "--email", "x@exemple.fr")
    assert unknown.exit_code == 2 and "aucun compte" in unknown.output


def test_demandes_lists_the_queue(base):
    assert "aucune demande" in run("compte", "demandes", "--base", base).output
    with Accounts(base) as accounts:
        accounts.request_key("chef@organisme.fr", SIRET, "Bonjour,\nnous voulons déposer.")
    listed = run("compte", "demandes", "--base", base)
    assert listed.exit_code == 0
    assert listed.stdout.split("\t")[2:] == ["chef@organisme.fr", SIRET, "Bonjour, nous voulons déposer.\n"]
