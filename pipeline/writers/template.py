"""`fasd template`: the workbook that data-entry staff fill in (issue 5).

Everything in it is derived from the field dictionary (model.py) and the tables
(enums.py), so the template cannot drift from what the importer accepts: sheet names,
headers, help comments, drop-down lists, formats. The generated file is committed as
templates_xlsx/offre-fasd.xlsx and a test regenerates it to check it is current.

Drop-downs are Excel data validations applied once per column range (A2:A5001), never
per cell, so 5 000 rows per sheet cost nothing; formats are column styles.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..model.enums import Enumeration
from ..model.lists import enumeration
from ..model.fields import ENTITIES, ENTITY_ORDER, Entity, Field, Kind
from ..model.codes import INFO, RULES
from ..validators.cross import run_cross_checks  # noqa: F401 - imports every module that registers rules
from ..validators.registry import rules_on

ROWS = 5000  # data rows prepared (validations and formats)
LAST_ROW = ROWS + 1
README_SHEET = "Lisez-moi"
LISTS_SHEET = "Listes"
MULTI_SEPARATOR = " ; "

# Colours, explained on the Lisez-moi sheet.
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")  # a field to fill in
LINK_FILL = PatternFill("solid", fgColor="E2EFDA")  # a link to another sheet
TITLE_FONT = Font(bold=True, size=16, color="1F4E78")
SECTION_FONT = Font(bold=True, size=12, color="1F4E78")
THIN = Side(style="thin", color="9BC2E6")
HEADER_BORDER = Border(bottom=Side(style="medium", color="1F4E78"), right=THIN)
ERROR_FILL_HEX, WARNING_FILL_HEX = "FFC7CE", "FFD9A0"  # shared with the report
TAB_COLOURS = {
    "site": "A9D08E",
    "contact": "A9D08E",
    "formation": "5B9BD5",
    "action": "5B9BD5",
    "session": "5B9BD5",
    "dispositif": "5B9BD5",
}

DATE_FORMAT = "DD/MM/YYYY"
EXCEL_2000_01_01, EXCEL_2100_12_31 = 36526, 73415

FASD_TEXT = (
    (
        "F — Formation",
        "La formation précise la finalité, les objectifs et le programme, "
        "indépendamment d'un organisme de formation, d'un lieu ou d'une date.",
    ),
    (
        "A — Action",
        "L'action complète l'intitulé et le descriptif de la formation, et indique l'organisme dispensateur.",
    ),
    ("S — Session", "La session permet de décliner le lieu et les dates de déroulement de l'action."),
    (
        "D — Dispositif",
        "Le dispositif affiche les types de financements de la session de formation, "
        "associés à un ou plusieurs publics.",
    ),
)
FASD_EXAMPLE = (
    "Exemple : la formation présentée vise la certification de CAP ébéniste (F). Elle est "
    "organisée par l'organisme Auboisveillant (A) du 27 septembre 2016 au 13 juin 2017 à "
    "Mayenne (S) et bénéficie d'un financement privé pour les salariés d'entreprise (D)."
)
FAS_CODE = (
    "Dans SOFI, le code FAS 19482-89393-143842 se lit : formation 19482, action 89393, "
    "session 143842. Une formation a une ou plusieurs actions, une action une ou plusieurs "
    "sessions, une session un ou plusieurs dispositifs."
)
SHEET_TEXT = {
    "site": "Vos établissements (SIRET, adresse). Un site est cité par son code dans les actions "
    "(site dispensateur) et les sessions (site lieu, organisme responsable).",
    "contact": "Les personnes référentes (PMR, mobilité, PRF), citées par leur code dans les sessions.",
    "formation": "Une ligne par formation : intitulé, objectifs, programme, certification préparée.",
    "action": "Une ligne par action : la formation telle que la dispense un de vos sites.",
    "session": "Une ligne par session : lieu, dates, rythme, durées, recrutement, référents.",
    "dispositif": "Une ligne par financement d'une session : dispositif, publics, places, frais.",
}


def choice_labels(table: str) -> list[str]:
    """Labels offered in a drop-down: short aliases for long LHÉO labels, no obsolete codes."""
    labels = []
    enum = enumeration(table)
    for choice in enum.choices:
        if "obsolète" in choice.label.lower():
            continue
        labels.append(enum.short_label(choice))
    return labels


def list_title(table: str) -> str:
    """The French heading of a list in the Listes sheet: the columns that use it."""
    labels = []
    for name in ENTITY_ORDER:
        for f in ENTITIES[name].fields:
            label = f.label.rstrip(" *")
            if f.kind is Kind.ENUM and f.table == table and label not in labels:
                labels.append(label)
    return " / ".join(labels) or table


def enum_tables() -> list[str]:
    """The enumerations some template field uses, in sheet then column order."""
    seen: list[str] = []
    for name in ENTITY_ORDER:
        for f in ENTITIES[name].fields:
            if f.kind is Kind.ENUM and f.table and f.table not in seen:
                seen.append(f.table)
    return seen


def key_letter(entity: str) -> str:
    spec = ENTITIES[entity]
    return get_column_letter(spec.names.index(spec.key[0]) + 1)


def _sheet_ref(sheet: str, letter: str, first: int, last: int) -> str:
    return f"{quote_sheetname(sheet)}!${letter}${first}:${letter}${last}"


# ---------------------------------------------------------------- field texts


def field_rule(entity: Entity, f: Field) -> str:
    """What the importer expects in the column, in French (header comment, Lisez-moi)."""
    kind = f.kind
    if kind is Kind.ENUM:
        labels = choice_labels(f.table or "")
        shown = ", ".join(labels[:12]) + (" …" if len(labels) > 12 else "")
        rule = f"Valeur de la liste déroulante ({shown})."
        if f.multi:
            rule += (
                " Plusieurs valeurs possibles, séparées par « ; » : la liste n'en insère "
                "qu'une, tapez les suivantes à la main (Excel ne bloquera pas)."
            )
    elif kind is Kind.BOOL:
        rule = "oui ou non (liste déroulante)."
    elif kind is Kind.REF:
        target = ENTITIES[f.links_to or ""]
        rule = (
            f"Référence d'une ligne de la feuille « {target.sheet} » "
            f"(colonne « {target.field(target.key[0]).plain_label} »), au choix dans la liste."
        )
    elif kind is Kind.DATE:
        rule = "Dates jj/mm/aaaa séparées par « ; »." if f.multi else "Date jj/mm/aaaa."
    elif kind is Kind.INT:
        rule = "Nombre entier" + (f" ≥ {f.minimum:g}" if f.minimum is not None else "") + "."
    elif kind is Kind.DECIMAL:
        if f.percent:
            rule = "Taux de TVA : 0,2 ou 20 % (0 si exonéré)."
        else:
            low = "" if f.minimum is None else (f" > {f.minimum:g}" if f.min_exclusive else f" ≥ {f.minimum:g}")
            high = "" if f.maximum is None else f", au plus {f.maximum:g}"
            rule = f"Nombre{low}{high}, virgule pour les décimales."
    elif kind is Kind.SIRET:
        rule = "SIRET : 14 chiffres, clé de contrôle vérifiée."
    elif kind is Kind.EMAIL:
        rule = "Adresse électronique (nom@domaine.fr)."
    elif kind is Kind.URL:
        rule = "Adresse web complète commençant par https://."
    elif kind is Kind.PHONE:
        rule = "Téléphone : 10 chiffres commençant par 0, ou +33 suivi de 9 chiffres."
    elif kind is Kind.POSTCODE:
        rule = "Code postal : 5 chiffres."
    elif kind is Kind.CODE:
        rule = "Code" + (", plusieurs séparés par « ; »" if f.multi else "") + "."
        if f.max_items:
            rule = rule[:-1] + f" ({f.max_items} au plus)."
    else:
        rule = "Texte libre" + (f", {f.max_len} caractères au plus" if f.max_len else "") + "."
        if f.multi:
            rule += " Plusieurs valeurs séparées par « ; »."
    return rule


def field_status(f: Field) -> str:
    if f.required:
        return "Obligatoire."
    if f.status:
        return f.status
    if f.required_if == "certifying":
        return "Obligatoire pour une formation certifiante ; à laisser vide pour une formation non certifiante."
    if f.from_reference:
        return (
            "Obligatoire pour une formation non certifiante ; repris de la fiche Certif Info "
            "quand la formation est certifiante."
        )
    return "Facultatif."


def cross_checks(entity: Entity, f: Field) -> str:
    """The registered cross-record rules whose findings point to this column, by title."""
    titles = dict.fromkeys(
        RULES[code].title for r in rules_on(entity.name, f.name) for code in r.codes if RULES[code].severity != INFO
    )
    return f"Autres contrôles : {' ; '.join(titles)}." if titles else ""


def header_comment(entity: Entity, f: Field) -> str:
    lines = [f.label, field_status(f), field_rule(entity, f)]
    if cross_checks(entity, f):
        lines.append(cross_checks(entity, f))
    if f.help:
        lines.append(f.help)
    if f.example:
        lines.append(f"Exemple : {f.example}")
    return "\n".join(lines)


# ---------------------------------------------------------------- sheets


def _number_format(f: Field) -> str:
    if f.multi or not f.kind.typed_in_excel:
        return "@"  # text: keeps SIRET, codes and leading zeros as typed
    if f.kind is Kind.DATE:
        return DATE_FORMAT
    if f.kind is Kind.INT:
        return "0"
    if f.percent:
        return "0.0%"
    if f.money:
        return "#,##0.00"
    return "General"


def _width(f: Field) -> float:
    if f.single_date:
        return 13
    if f.kind is Kind.TEXT and (f.max_len or 0) >= 1000:
        return 45
    return float(min(max(len(f.label) * 0.9 + 4, 12), 34))


def _validation(entity: Entity, f: Field, list_ranges: dict[str, str]) -> DataValidation | None:
    """The Excel data validation of a column, or None when free text cannot be checked."""
    kind = f.kind
    dv = None
    if kind is Kind.ENUM:
        dv = DataValidation(type="list", formula1=list_ranges[f.table or ""], allow_blank=True)
        if f.multi:
            dv.showErrorMessage = False
            dv.prompt = "Plusieurs valeurs possibles : choisissez-en une, puis tapez les autres, séparées par « ; »."
            dv.promptTitle = "Plusieurs valeurs"
            dv.showInputMessage = True
        else:
            dv.error = "Choisissez une valeur de la liste déroulante."
    elif kind is Kind.BOOL:
        dv = DataValidation(type="list", formula1='"oui,non"', allow_blank=True, error="Répondez oui ou non.")
    elif kind is Kind.REF:
        target = ENTITIES[f.links_to or ""]
        dv = DataValidation(
            type="list",
            allow_blank=True,
            errorStyle="warning",
            formula1=_sheet_ref(target.sheet, key_letter(target.name), 2, LAST_ROW),
            error=f"Cette référence n'est pas dans la feuille « {target.sheet} ». "
            "Gardez-la seulement si elle figure dans un autre fichier importé avec celui-ci.",
        )
    elif f.single_date:
        dv = DataValidation(
            type="date",
            operator="between",
            formula1=str(EXCEL_2000_01_01),
            formula2=str(EXCEL_2100_12_31),
            allow_blank=True,
            error="Saisissez une date jj/mm/aaaa (entre 2000 et 2100).",
        )
    elif kind.number and not f.multi:
        vtype = "whole" if kind is Kind.INT else "decimal"
        low = f.minimum if f.minimum is not None else 0
        if f.maximum is not None and not f.percent:  # a rate may be typed as 20 (%)
            dv = DataValidation(
                type=vtype, operator="between", formula1=f"{low:g}", formula2=f"{f.maximum:g}", allow_blank=True
            )
        else:
            operator = "greaterThan" if f.min_exclusive else "greaterThanOrEqual"
            dv = DataValidation(type=vtype, operator=operator, formula1=f"{low:g}", allow_blank=True)
        dv.error = field_rule(entity, f)
    elif f.max_len and not f.multi:
        dv = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(f.max_len),
            allow_blank=True,
            error=f"{f.max_len} caractères au plus.",
        )
    if dv is None:
        return None
    title = f.plain_label
    dv.errorTitle = title if len(title) <= 32 else title[:31] + "…"  # Excel repairs longer titles
    dv.showErrorMessage = not (kind is Kind.ENUM and f.multi)
    return dv


def _entity_sheet(wb: Workbook, entity: Entity, list_ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(entity.sheet)
    ws.sheet_properties.tabColor = TAB_COLOURS[entity.name]
    for j, f in enumerate(entity.fields, 1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=f.label)
        cell.font = Font(bold=f.required or f.from_reference or bool(f.required_if))
        cell.fill = LINK_FILL if f.links_to else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = HEADER_BORDER
        text = header_comment(entity, f)
        comment = Comment(text, "Modèle FASD")
        comment.width = 320
        comment.height = 40 + 17 * sum(1 + len(line) // 48 for line in text.splitlines())
        cell.comment = comment
        dim = ws.column_dimensions[letter]
        dim.width = _width(f)
        dim.number_format = _number_format(f)
        dv = _validation(entity, f, list_ranges)
        if dv is not None:
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 48
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(entity.fields))}1"
    ws.print_title_rows = "1:1"
    _fit_to_width(ws, sum(_width(f) for f in entity.fields))


def _fit_to_width(ws, width: float) -> None:
    """Printed: landscape, as few pages across as keep the columns readable (report_xlsx.py's
    measure), every page repeating the header row and, when several across, the key column."""
    import math

    from .report_xlsx import PAGE_WIDTH

    across = max(1, math.ceil(width / PAGE_WIDTH))
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = across, 0
    if across > 1:
        ws.print_title_cols = "A:A"


def _lists_sheet(wb: Workbook) -> dict[str, str]:
    """The hidden sheet feeding the drop-downs: one column per enumeration."""
    ws = wb.create_sheet(LISTS_SHEET)
    ranges = {}
    for j, table in enumerate(enum_tables(), 1):
        enum: Enumeration = enumeration(table)
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=list_title(table)).font = Font(bold=True)
        labels = choice_labels(table)
        for i, label in enumerate(labels, 2):
            ws.cell(row=i, column=j, value=label)
        ws.cell(row=len(labels) + 3, column=j, value=f"Source : {enum.source}").font = Font(italic=True, color="808080")
        ws.column_dimensions[letter].width = 36
        ranges[table] = _sheet_ref(LISTS_SHEET, letter, 2, len(labels) + 1)
    ws.sheet_state = "hidden"
    return ranges


def text_height(text: str, chars_per_line: int, label: str | bool = False) -> float:
    """Row height (points) for wrapped text: openpyxl cannot autofit and LibreOffice does not."""
    lines = sum(max(1, -(-len(part) // chars_per_line)) for part in (text or "").split("\n"))
    if isinstance(label, str) and label:
        lines = max(lines, -(-len(label) // 24))
    return 15.0 * lines + 2


def _readme(wb: Workbook) -> None:
    ws = wb.active
    ws.title = README_SHEET
    ws.sheet_properties.tabColor = "808080"
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 95
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1

    def line(a="", b="", *, font=None, fill=None, height=None):
        nonlocal row
        ca, cb = ws.cell(row=row, column=1, value=a or None), ws.cell(row=row, column=2, value=b or None)
        ca.alignment = cb.alignment = wrap
        ca.font = Font(bold=True) if a and font is None else (font or Font())
        if fill is not None:
            ca.fill = fill
        ws.row_dimensions[row].height = height or text_height(b, 100, len(a) > 26 and a)
        row += 1

    def section(title):
        nonlocal row
        row += 1
        ws.cell(row=row, column=1, value=title).font = SECTION_FONT
        row += 1

    ws.cell(
        row=1, column=1, value="Modèle de saisie de l'offre de formation (Formation, Action, Session, Dispositif)"
    ).font = TITLE_FONT
    ws.row_dimensions[1].height = 24
    row = 2
    line(
        "",
        "Remplissez les feuilles de ce classeur, enregistrez-le, puis importez-le : "
        "fasd import mon-offre.xlsx --out resultat/ . Le rapport (resultat/report.xlsx) vous "
        "renvoie votre classeur avec chaque cellule à corriger en couleur.",
    )

    section("Le modèle F A S D")
    for title, text in FASD_TEXT:
        line(title, text)
    line("", FASD_EXAMPLE, font=Font(italic=True))
    line("", FAS_CODE)

    section("Les feuilles, dans l'ordre de saisie")
    for name in ENTITY_ORDER:
        line(ENTITIES[name].sheet, SHEET_TEXT[name])
    line(
        "",
        "Les feuilles « Lisez-moi » et « Listes » (masquée, elle alimente les listes déroulantes) "
        "sont ignorées à l'import. Ne renommez ni les feuilles ni les en-têtes.",
    )

    section("Relier les lignes entre elles")
    line(
        "Réf. *",
        "Donnez à chaque formation, action et session une référence de votre choix, unique "
        "dans sa feuille (par exemple F-DEAS, A-DEAS-NANTES, S-DEAS-2026-09).",
    )
    line(
        "Liaison",
        "Chaque action indique la « Réf. formation » de sa formation, chaque session la "
        "« Réf. action » de son action, chaque dispositif la « Réf. session » de sa session. "
        "Les colonnes de liaison (en-tête vert) proposent la liste des références déjà saisies "
        "dans la feuille parente.",
    )
    line(
        "Sites, contacts",
        "Les colonnes Site dispensateur, Site lieu, Organisme responsable et Référent "
        "citent un « Code site » de la feuille Sites ou un « Code contact » de la "
        "feuille Contacts (ou d'un annuaire importé avec --annuaire).",
    )
    line(
        "Codes SOFI",
        "Les colonnes « Code formation / action / session SOFI » sont facultatives : "
        "remplies, elles demandent la mise à jour de l'offre existante de ce numéro.",
    )

    section("Saisir les cellules")
    line(
        "En-têtes",
        "Passez la souris sur un en-tête : sa note donne la règle, le format et un exemple. "
        "Les données commencent ligne 2 ; une ligne par enregistrement.",
    )
    line(
        "Listes déroulantes",
        "Les colonnes à valeurs fixes proposent une liste déroulante ; une valeur hors "
        "liste est refusée, sauf dans les colonnes à plusieurs valeurs.",
    )
    line(
        "Plusieurs valeurs",
        "Rythmes, périodes, types de parcours, modalités, publics… acceptent plusieurs "
        "valeurs dans la même cellule, séparées par un point-virgule : "
        "« continu ; temps plein ». La liste déroulante n'en insère qu'une : "
        "tapez les suivantes.",
    )
    line("Oui / non", "Répondez oui ou non (o/n, x/vide et 1/0 sont aussi compris).")
    line(
        "Dates et nombres",
        "Dates au format jj/mm/aaaa ; nombres avec une virgule décimale (1540,50) ; "
        "taux de TVA en fraction (0,2) ou en pourcentage (20 %).",
    )

    section("Les couleurs")
    line("Réf. formation *", "En-tête en gras, avec * : colonne obligatoire.", fill=HEADER_FILL, font=Font(bold=True))
    line("Intitulé", "En-tête bleu : colonne à saisir.", fill=HEADER_FILL, font=Font())
    line(
        "Réf. action *",
        "En-tête vert : colonne de liaison vers une autre feuille.",
        fill=LINK_FILL,
        font=Font(bold=True),
    )
    line(
        "Erreur",
        "Dans le rapport (report.xlsx) : cellule en rouge = erreur, la ligne est rejetée ; "
        "sa note explique quoi corriger.",
        fill=PatternFill("solid", fgColor=ERROR_FILL_HEX),
    )
    line(
        "Avertissement",
        "Dans le rapport : cellule en orange = avertissement, la ligne est acceptée mais mérite une vérification.",
        fill=PatternFill("solid", fgColor=WARNING_FILL_HEX),
    )
    line(
        "Statut",
        "Dans le rapport, la dernière colonne « Statut » indique « accepté » ou « rejeté » "
        "avec les codes ; elle est ignorée à l'import : corrigez puis réimportez le rapport.",
    )

    section("Dictionnaire des colonnes")
    header_row = row
    for j, text in enumerate(("Colonne", "Statut, règle, aide et exemple"), 1):
        c = ws.cell(row=row, column=j, value=text)
        c.font, c.fill, c.border = Font(bold=True), HEADER_FILL, HEADER_BORDER
    row += 1
    for name in ENTITY_ORDER:
        entity = ENTITIES[name]
        ws.cell(row=row, column=1, value=entity.sheet).font = SECTION_FONT
        row += 1
        for f in entity.fields:
            parts = [field_status(f), field_rule(entity, f)]
            if cross_checks(entity, f):
                parts.append(cross_checks(entity, f))
            if f.help:
                parts.append(f.help)
            if f.example:
                parts.append(f"Exemple : {f.example}")
            line(f.label, " ".join(parts), font=Font(bold=f.required or f.from_reference or bool(f.required_if)))
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build_template() -> Workbook:
    """The template workbook, in memory."""
    wb = Workbook()
    _readme(wb)
    list_ranges = _lists_sheet(wb)
    for name in ENTITY_ORDER:
        _entity_sheet(wb, ENTITIES[name], list_ranges)
    # Lists last, out of the way; Lisez-moi first and active.
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    wb.active = 0
    return wb


def write_template(path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = build_template()
    wb.properties.creator = "fasd template"
    wb.save(path)
    return path
