"""The hostile and careless corpus of issue 9, generated (nothing binary is committed).

    python tests/hostile/corpus.py OUTDIR      # writes every case into OUTDIR

Workbooks are written by hand as minimal OOXML zips, so a case can hold exactly the
bytes it needs: a deflate stream of 1 GB of blanks built from one repeated flushed
block (a 1 MB file, made in a second), a zip directory that lies about a size, one
cell at XFD1048576. Every case is small on disk; the tests run them (test_hostile.py).
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from factory import flat_rows, valid_offer  # noqa: E402

from pipeline.model.fields import ENTITIES, OFFER_ENTITIES  # noqa: E402
from pipeline.model.text import column_letter  # noqa: E402

MB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{sheets}{shared}</Types>"
)
SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


# -- a minimal zip writer that accepts ready-made deflate streams ---------------------------
class Member:
    def __init__(
        self,
        name: str,
        data: bytes | None = None,
        *,
        deflated: bytes | None = None,
        size: int | None = None,
        crc: int | None = None,
        declared_size: int | None = None,
    ):
        self.name = name
        if data is not None:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            deflated = c.compress(data) + c.flush()
            size, crc = len(data), zlib.crc32(data)
        self.deflated, self.size, self.crc = deflated, size, crc
        self.declared_size = size if declared_size is None else declared_size


def write_zip(path: Path, members: list[Member]) -> Path:
    import struct

    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        out += (
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                0,
                8,
                0,
                0x21,
                m.crc & 0xFFFFFFFF,
                len(m.deflated),
                m.declared_size,
                len(name),
                0,
            )
            + name
            + m.deflated
        )
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                m.crc & 0xFFFFFFFF,
                len(m.deflated),
                m.declared_size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def repeated(head: bytes, block: bytes, times: int, tail: bytes) -> Member:
    """A deflate stream of head + block × times + tail, built from one compressed block:
    a full flush resets the compressor, so the block compresses to the same bytes each time."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert piece == again
    end = c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    deflated = start + piece + piece * (times - 1) + end
    return Member("", deflated=deflated, size=len(head) + len(block) * times + len(tail), crc=crc)


# -- sheets -----------------------------------------------------------------------------------
def cell(ref: str, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], *, start_row: int = 1, extra: str = "", dimension: str | None = None) -> str:
    body = []
    for i, row in enumerate(rows, start=start_row):
        cells = "".join(cell(f"{column_letter(j)}{i}", v) for j, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}>{dim}'
        f"<sheetData>{''.join(body)}{extra}</sheetData></worksheet>"
    )


def workbook(
    path: Path,
    sheets: list[tuple[str, str | Member]],
    *,
    hidden=(),
    shared: str | Member | None = None,
) -> Path:
    """A workbook of (name, sheet XML or ready Member) pairs."""
    entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"'
        f"{' state=' + chr(34) + 'hidden' + chr(34) if name in hidden else ''}/>"
        for n, (name, _) in enumerate(sheets, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(sheets) + 1)
    )
    if shared is not None:
        rels += f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}sharedStrings" Target="sharedStrings.xml"/>'
    members = [
        Member(
            "[Content_Types].xml",
            CONTENT_TYPES.format(
                sheets="".join(SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1)),
                shared=SHARED_TYPE if shared is not None else "",
            ).encode(),
        ),
        Member("_rels/.rels", ROOT_RELS.encode()),
        Member(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} {RNS}>'
            f"<sheets>{entries}</sheets></workbook>".encode(),
        ),
        Member(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>".encode(),
        ),
    ]
    for n, (_, xml) in enumerate(sheets, 1):
        member = xml if isinstance(xml, Member) else Member("", xml.encode())
        member.name = f"xl/worksheets/sheet{n}.xml"
        members.append(member)
    if shared is not None:
        member = shared if isinstance(shared, Member) else Member("", shared.encode())
        member.name = "xl/sharedStrings.xml"
        members.append(member)
    return write_zip(path, members)


# -- the offer ------------------------------------------------------------------------------
def flat_table(offer=None) -> list[list]:
    names, rows = flat_rows(offer or valid_offer())
    labels = [_label(n) for n in names]
    return [labels] + rows


def _label(name: str) -> str:
    for e in OFFER_ENTITIES:
        if name in ENTITIES[e].by_name:
            return ENTITIES[e].field(name).label
    return name


def directory_sheets(offer=None) -> list[tuple[str, str]]:
    offer = offer or valid_offer()
    out = []
    for entity in ("site", "contact"):
        spec = ENTITIES[entity]
        names = [n for n in spec.names if any(n in r for r in offer[entity])]
        rows = [[spec.field(n).label for n in names]] + [[r.get(n, "") for n in names] for r in offer[entity]]
        out.append((spec.sheet, sheet_xml(rows)))
    return out


def flat_workbook(
    path: Path, *, before=(), hidden=(), data_sheet="Offres", rows=None, extra="", dimension=None
) -> Path:
    rows = rows if rows is not None else flat_table()
    sheets = list(before) + [(data_sheet, sheet_xml(rows, extra=extra, dimension=dimension))] + directory_sheets()
    return workbook(path, sheets, hidden=hidden)


def flat_csv(path: Path, rows: list[list], *, delimiter=";", encoding="utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def with_value(field: str, value) -> list[list]:
    """The flat table with `field` of the first data row set to `value`."""
    rows = flat_table()
    names, _ = flat_rows(valid_offer())
    rows[1][names.index(field)] = value
    return rows


# -- the cases ------------------------------------------------------------------------------
def build(out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {}

    def add(name, path):
        cases[name] = path

    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData><row r="1">'.encode()
    tail = b"</row></sheetData></worksheet>"
    bomb = repeated(head, b" " * MB, 1024, tail)  # 1 GB of blanks between tags, ~1 MB on disk
    add("bomb_blanks", workbook(out / "bomb_blanks.xlsx", [("Offres", bomb)]))

    si = b"<si><t>a</t></si>" * (MB // 17)
    sst = repeated(
        b'<?xml version="1.0"?><sst ' + NS.encode() + b' count="1" uniqueCount="1">', si, 200, b"</sst>"
    )  # 12 million shared strings, 200 MB of XML
    add(
        "bomb_shared_strings",
        workbook(out / "bomb_shared_strings.xlsx", [("Offres", sheet_xml(flat_table()))], shared=sst),
    )

    add(
        "shared_strings_over_limit",
        workbook(
            out / "shared_strings_over_limit.xlsx",
            [("Offres", sheet_xml(flat_table()))],
            shared=f'<sst {NS} count="20" uniqueCount="20">'
            + "".join(f"<si><t>t{i}</t></si>" for i in range(20))
            + "</sst>",
        ),
    )

    giant = repeated(head + b'<c r="A1" t="inlineStr"><is><t>', b"x" * MB, 2, b"</t></is></c>" + tail)
    add("giant_cell", workbook(out / "giant_cell.xlsx", [("Offres", giant)]))

    honest = Member("", sheet_xml(flat_table()).encode())
    liar = Member("", deflated=honest.deflated, size=honest.size, crc=honest.crc, declared_size=200)
    add("lying_size", workbook(out / "lying_size.xlsx", [("Offres", liar)] + directory_sheets()))

    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t> </t></is></c></row>'
    add("far_cell_XFD1048576", flat_workbook(out / "far_cell_XFD1048576.xlsx", extra=far))
    far = '<row r="20000"><c r="XFD20000" t="inlineStr"><is><t> </t></is></c></row>'
    add("far_cell_XFD20000", flat_workbook(out / "far_cell_XFD20000.xlsx", extra=far))
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row>'
    add("far_row_A1048576", flat_workbook(out / "far_row_A1048576.xlsx", extra=far, dimension="A1:A1048576"))
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    add("far_value_XFD1048576", flat_workbook(out / "far_value_XFD1048576.xlsx", extra=far, dimension="A1:B3"))

    add(
        "hidden_empty_first_sheet",
        flat_workbook(out / "hidden_empty_first_sheet.xlsx", before=[("Feuil1", sheet_xml([]))], hidden={"Feuil1"}),
    )
    cover = sheet_xml(
        [
            ["Instructions"],
            ["Remplissez une ligne par session et par dispositif."],
            ["Les colonnes marquées d'une * sont obligatoires.", "Merci"],
        ]
    )
    add(
        "instructions_cover_sheet",
        flat_workbook(out / "instructions_cover_sheet.xlsx", before=[("Instructions", cover)]),
    )
    add(
        "title_row_above_header",
        flat_workbook(
            out / "title_row_above_header.xlsx", rows=[["Organisme :", "Institut de formation"], []] + flat_table()
        ),
    )
    add(
        "only_empty_sheets",
        workbook(out / "only_empty_sheets.xlsx", [("Feuil1", sheet_xml([])), ("Feuil2", sheet_xml([[" "]]))]),
    )
    add("no_header_row", flat_workbook(out / "no_header_row.xlsx", rows=flat_table()[1:]))

    add("tab_separated_csv", flat_csv(out / "tab_separated.csv", flat_table(), delimiter="\t"))
    (out / "empty.csv").write_bytes(b"")
    add("empty_csv", out / "empty.csv")
    add("header_only_csv", flat_csv(out / "header_only.csv", flat_table()[:1]))
    rows = flat_table()
    text = flat_csv(out / "mixed_encoding.csv", rows).read_bytes()
    title = rows[1][rows[0].index(_label("intitule"))]
    add("mixed_encoding_csv", out / "mixed_encoding.csv")
    (out / "mixed_encoding.csv").write_bytes(
        text.replace(title.encode("utf-8"), title.replace("é", "\x00").encode("utf-8").replace(b"\x00", b"\xe9"), 1)
    )
    rows = flat_table()
    rows[1] = rows[1] + ["décalé", "encore"]
    add("tab_row_longer_than_header", flat_csv(out / "tab_row_longer.csv", rows, delimiter="\t"))

    # Careless names and cut files: each gets a French line saying what the file really is.
    write_zip(
        out / "lying_xlsb.xlsb",
        [
            Member("[Content_Types].xml", b"<Types/>"),
            Member("xl/workbook.bin", b"\x00" * 64),
            Member(
                "xl/worksheets/sheet1.bin",
                deflated=honest.deflated,
                size=honest.size,
                crc=honest.crc,
                declared_size=200,
            ),
        ],
    )
    add("lying_xlsb", out / "lying_xlsb.xlsb")
    (out / "web_page.xls").write_text(
        "<html><body><table><tr><td>Intitulé</td></tr></table></body></html>", encoding="utf-8"
    )
    add("web_page_as_xls", out / "web_page.xls")
    add("csv_named_xlsx", flat_csv(out / "csv_named.xlsx", flat_table()))
    whole = flat_workbook(out / "whole.xlsx")
    (out / "xlsx_named.xlsb").write_bytes(whole.read_bytes())
    add("xlsx_named_xlsb", out / "xlsx_named.xlsb")
    (out / "cut_short.xlsx").write_bytes(whole.read_bytes()[:600])
    add("cut_short_xlsx", out / "cut_short.xlsx")
    return cases


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1])).items():
        print(f"{name:<32}{path.stat().st_size:>10}  {path}")
