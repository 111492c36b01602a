"""The API of nightly jobs (issue 26): the shapes of its answers and its OpenAPI description.

    POST /api/envois                       multipart `fichier` (repeatable) + the form's options → 202
    GET  /api/envois/{id}                  {"id", "etat", "avant", "message", "resume", "fichiers", "applique"}
    GET  /api/envois/{id}/fichiers/{name}  one output file (report.xlsx, report.csv, lheo.xml …)
    POST /api/envois/{id}/appliquer        apply the run to the catalogue → 202
    GET  /api/openapi.json                 this description

Every call but the description carries `Authorization: Bearer TOKEN` (`fasd compte jeton`);
a token sees its account's establishments' uploads only (others: 404). The routes live in
app.py, next to the page's, so that both share one upload check and one job access rule.
"""

from __future__ import annotations

from pathlib import Path

from .jobs import DOWNLOADS

STATES = {"queued": "en attente", "running": "en cours", "done": "terminé", "failed": "refusé"}


def job_json(folder: Path, state: dict, run, ahead: int | None = None) -> dict:
    """The JSON state of one upload for the API; `ahead`: its place in the queue (waiting.py)."""
    status = state.get("status") or "queued"
    body: dict = {
        "id": folder.name,
        "etat": STATES.get(status, "en attente"),
        "avant": ahead if status == "queued" else None,
        "message": state.get("message") or state.get("base_message"),
        "applique": bool(state.get("applied")),
        "resume": None,
        "fichiers": {},
    }
    if status == "done" and run is not None:
        summary = run.summary
        body["resume"] = {
            "enregistrements": {
                entity: {k: counts.get(k, 0) for k in ("read", "accepted", "rejected")}
                for entity, counts in (summary.get("entities") or {}).items()
            },
            "constats": summary.get("findings", {}).get("by_severity", {}),
            "codes": summary.get("findings", {}).get("by_code", {}),
        }
    if status in ("done", "failed"):
        body["fichiers"] = {
            name: f"/api/envois/{folder.name}/fichiers/{name}"
            for name in DOWNLOADS
            if (folder / "out" / name).is_file() and not (name.startswith("changes.") and not state.get("applied"))
        }
    return body


def openapi() -> dict:
    """The OpenAPI 3.1 description served at /api/openapi.json (hand-written)."""
    job = {"$ref": "#/components/schemas/Envoi"}
    error = {"$ref": "#/components/schemas/Erreur"}
    ident = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

    def answer(description, schema=None):
        out: dict = {"description": description}
        if schema is not None:
            out["content"] = {"application/json": {"schema": schema}}
        return out

    refused = {"401": answer("jeton absent, inconnu ou révoqué", error), "404": answer("envoi introuvable", error)}
    place = {
        "type": ["integer", "null"],
        "minimum": 0,
        "description": "en attente : le nombre d'envois à traiter avant celui-ci (0 : il est le prochain) ; "
        "null quand il n'attend plus (pris par un traitement, terminé ou refusé)",
    }
    accepted = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "etat": {"type": "string"}, "avant": place, "url": {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fasd : import d'offres de formation",
            "version": "1",
            "description": "Envoyer un fichier d'offres sans navigateur (tâche de nuit), lire son rapport, "
            "l'appliquer au catalogue. Jeton : « fasd compte jeton » (équipe du CARIF-OREF).",
        },
        "components": {
            "securitySchemes": {"jeton": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Erreur": {"type": "object", "properties": {"erreur": {"type": "string"}}},
                "Envoi": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "etat": {"type": "string", "enum": list(STATES.values())},
                        "avant": place,
                        "message": {"type": ["string", "null"]},
                        "applique": {"type": "boolean"},
                        "resume": {"type": ["object", "null"]},
                        "fichiers": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
            },
        },
        "security": [{"jeton": []}],
        "paths": {
            "/api/envois": {
                "post": {
                    "summary": "Envoyer un fichier d'offres",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["fichier"],
                                    "properties": {
                                        "fichier": {"type": "string", "format": "binary"},
                                        "annuaire": {"type": "string", "format": "binary"},
                                        "colonnes": {"type": "string", "format": "binary"},
                                        "date": {"type": "string", "format": "date"},
                                        "profil": {"type": "string", "enum": ["sofi", "lheo"]},
                                        "perimetre": {"type": "string", "enum": ["partiel", "complet"]},
                                        "organisme": {"type": "string", "description": "SIRET du compte"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": answer("envoi accepté, en attente de traitement", accepted),
                        "401": refused["401"],
                        "403": answer("établissement hors du compte"),
                        "413": answer("envoi trop gros", error),
                        "422": answer("envoi refusé (fichier illisible, option invalide)"),
                    },
                }
            },
            "/api/envois/{id}": {
                "get": {
                    "summary": "État et résumé d'un envoi",
                    "parameters": [ident],
                    "responses": {"200": answer("l'envoi", job), **refused},
                },
            },
            "/api/envois/{id}/fichiers/{name}": {
                "get": {
                    "summary": "Un fichier produit (rapport, LHÉO…)",
                    "parameters": [
                        ident,
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(DOWNLOADS)},
                        },
                    ],
                    "responses": {"200": answer("le fichier"), **refused},
                }
            },
            "/api/envois/{id}/appliquer": {
                "post": {
                    "summary": "Appliquer l'envoi au catalogue",
                    "parameters": [ident],
                    "responses": {
                        "202": answer("application en attente", accepted),
                        "409": answer("déjà appliqué, ou traitement pas terminé", error),
                        **refused,
                    },
                }
            },
        },
    }
