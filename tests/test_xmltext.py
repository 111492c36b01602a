"""writers/xmltext.py writes the bytes lxml's pretty_print writes, for any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.writers.xmltext import XmlOut, attr, attr_value, fragment, text, xml_text

NS = "http://lheo.gouv.fr/2.3"
values = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=30),
    st.text(alphabet="a&<>\"'\r\n\t ]\x01\x0b\ud800\ufffeé€𝄞", max_size=12),
    st.integers(),
)
tags = st.sampled_from(["a", "b-c", "code-RNCP", "extra"])
attributes = st.lists(st.tuples(st.sampled_from(["info", "numero"]), values), max_size=2, unique_by=lambda p: p[0])
nodes = st.recursive(
    st.tuples(tags, attributes, values, st.just([])),
    lambda children: st.tuples(tags, attributes, st.none(), st.lists(children, max_size=3)),
    max_leaves=12,
)


def as_lxml(node, parent=None):
    tag, attrs, value, children = node
    attrib = {k: xml_text(v) for k, v in attrs if v not in (None, "")}
    el = (
        etree.Element(f"{{{NS}}}{tag}", attrib, nsmap={None: NS})
        if parent is None
        else etree.SubElement(parent, f"{{{NS}}}{tag}", attrib)
    )
    if value is not None:
        el.text = xml_text(value)
    for child in children:
        as_lxml(child, el)
    return el


def write(out: XmlOut, depth: int, node) -> None:
    tag, attrs, value, children = node
    attributes = "".join(attr(k, v) for k, v in attrs)
    if children:
        mark = out.open(depth, tag, attributes)
        for child in children:
            write(out, depth + 1, child)
        out.close(depth, tag, mark)
    elif value is not None:
        out.leaf(depth, tag, value, attributes)
    else:
        mark = out.open(depth, tag, attributes)
        out.close(depth, tag, mark)


@settings(max_examples=300, deadline=None)
@given(st.lists(nodes, min_size=1, max_size=3))
def test_pretty_text_is_what_lxml_writes(children):
    root = ("formation", [], None, children)
    out = XmlOut()
    out.raw(f'<formation xmlns="{NS}">\n')
    for child in children:
        write(out, 1, child)
    out.raw("</formation>\n")
    assert out.getvalue() == etree.tostring(as_lxml(root), encoding="unicode", pretty_print=True)


@settings(max_examples=200, deadline=None)
@given(nodes)
def test_fragment_is_the_same_element(node):
    built = fragment(NS, lambda out, depth: write(out, depth, node))
    assert etree.tostring(built) == etree.tostring(as_lxml(node))


def test_escaping_examples():
    assert text('a<b>&c\r\n"') == 'a&lt;b&gt;&amp;c&#13;\n"'
    assert text("x\x01\ud800y") == "xy"
    assert attr_value('a"\n\t\r<') == "a&quot;&#10;&#9;&#13;&lt;"
    assert attr("numero", "") == "" and attr("numero", None) == ""
    assert attr("numero", 0) == ' numero="0"'


def test_an_element_without_children_closes_itself():
    out = XmlOut()
    mark = out.open(1, "domaine-formation")
    out.close(1, "domaine-formation", mark)
    out.leaf(1, "extra", "", ' info="x"')
    assert out.getvalue() == '  <domaine-formation/>\n  <extra info="x"></extra>\n'
