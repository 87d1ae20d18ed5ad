"""Small, safe XML helpers: defusedxml (no entities, no external anything) and tag
names compared without their namespace, because cartridges come in several versions
(imsccv1p1, v1p3, plain imscp, Canvas's own cccv1p0) that name the same elements."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class XmlError(ValueError):
    """Not plain, well-formed XML (or it asked for entities)."""


def parse(data: bytes, what: str) -> Element:
    try:
        return fromstring(data)
    except (ParseError, DefusedXmlException, ValueError) as err:
        raise XmlError(f"{what} is not plain, well-formed XML ({type(err).__name__}: {err})") from err


def local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rpartition("}")[2]


def children(node: Element, name: str) -> Iterator[Element]:
    return (child for child in node if local(child.tag) == name)


def child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        node = next(children(node, name), None)
    return node


def text(node: Element | None, *path: str) -> str:
    found = child(node, *path) if path else node
    return "".join(found.itertext()).strip() if found is not None else ""


def descendants(node: Element, name: str) -> Iterator[Element]:
    return (element for element in node.iter() if local(element.tag) == name)
