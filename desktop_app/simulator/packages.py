"""Real packages: a Common Cartridge (.imscc), a QTI zip and a files zip.

Built from a plan (selection.py) with fixed zip timestamps, so the same export always
yields the same bytes. Manifest resource identifiers are derived from Canvas ids
(`resource_identifier`) so tests can check that a manifest lists exactly the selection.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .data import Content, Course, File, ModuleItem, SampleData
from .selection import CCPlan, ZipPlan

_CC_NS = (
    'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" '
    'xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"'
)
_LEARNING_APP = "associatedcontent/imscc_xmlv1p1/learning-application-resource"
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_BIG = 256 * 1024  # store (don't deflate) binary files above this size, like media


def resource_identifier(collection: str, object_id: int) -> str:
    """The manifest identifier of one exported object: `wiki_page_401`, `quiz_901`,
    `attachment_5001`, `discussion_topic_1101`, `context_module_701`, `content_tag_8001`..."""
    prefix = {
        "wiki_pages": "wiki_page",
        "pages": "wiki_page",
        "quizzes": "quiz",
        "files": "attachment",
        "attachments": "attachment",
        "announcements": "discussion_topic",
        "modules": "context_module",
        "context_modules": "context_module",
        "module_items": "content_tag",
    }.get(collection)
    return f"{prefix or collection.rstrip('s')}_{object_id}"


class _Zip:
    """A zip writer with fixed timestamps and sorted-by-insertion deterministic output."""

    def __init__(self, when: datetime) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w")
        self.stamp = when.timetuple()[:6]

    def add(self, path: str, payload: bytes | str | None) -> None:
        info = zipfile.ZipInfo(path, self.stamp)
        if payload is None:  # a directory entry
            info.external_attr = (0o40755 << 16) | 0x10
            self.zip.writestr(info, b"")
            return
        data = payload.encode() if isinstance(payload, str) else payload
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_STORED if len(data) > _BIG else zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)

    def close(self) -> bytes:
        self.zip.close()
        return self.buffer.getvalue()


def _html(title: str, ident: str, body: str) -> str:
    return (
        f'<html>\n<head>\n<title>{escape(title)}</title>\n<meta name="identifier" content={quoteattr(ident)}/>\n'
        f"</head>\n<body>\n<h1>{escape(title)}</h1>\n<p>{escape(body)}</p>\n</body>\n</html>\n"
    )


def qti_xml(quiz: Content) -> str:
    """A QTI 1.2 assessment with one multiple-choice item per question."""
    items = []
    for n, (text, answers, correct) in enumerate(quiz.questions, start=1):
        labels = "".join(
            f'<response_label ident="{n}_{a}"><material><mattext>{escape(answer)}</mattext></material></response_label>'
            for a, answer in enumerate(answers)
        )
        items.append(
            f'<item ident="quiz_{quiz.id}_q{n}" title="Question {n}"><presentation><material>'
            f'<mattext texttype="text/plain">{escape(text)}</mattext></material>'
            f'<response_lid ident="response{n}" rcardinality="Single"><render_choice>{labels}</render_choice></response_lid>'
            f'</presentation><resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
            f'<respcondition continue="No"><conditionvar><varequal respident="response{n}">{n}_{correct}</varequal></conditionvar>'
            f'<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>'
        )
    return (
        f'{_XML}<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">\n'
        f'<assessment ident="quiz_{quiz.id}" title={quoteattr(quiz.title)}><section ident="root_section">\n'
        + "\n".join(items)
        + "\n</section></assessment>\n</questestinterop>\n"
    )


def _quiz_meta(quiz: Content) -> str:
    return (
        f'{_XML}<quiz identifier="quiz_{quiz.id}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
        f"<title>{escape(quiz.title)}</title><quiz_type>assignment</quiz_type>"
        f"<question_count>{len(quiz.questions)}</question_count></quiz>\n"
    )


def _content_resource(obj: Content) -> tuple[str, str, str, dict[str, str]]:
    """(identifier, type, href, files) for one content object in a Common Cartridge."""
    ident = resource_identifier(obj.kind, obj.id)
    if obj.kind == "wiki_pages":
        href = f"wiki_content/{obj.slug}.html"
        return ident, "webcontent", href, {href: _html(obj.title, ident, f"Page {obj.slug}.")}
    if obj.kind == "assignments":
        href = f"{ident}/{obj.title.lower().replace(' ', '-').replace(':', '')}.html"
        settings = (
            f'{_XML}<assignment identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
            f"<title>{escape(obj.title)}</title><due_at>{obj.when}</due_at>"
            f"<points_possible>{obj.points}</points_possible></assignment>\n"
        )
        return (
            ident,
            _LEARNING_APP,
            href,
            {href: _html(obj.title, ident, "Assignment."), f"{ident}/assignment_settings.xml": settings},
        )
    if obj.kind == "quizzes":
        href = f"{ident}/assessment_qti.xml"
        return (
            ident,
            "imsqti_xmlv1p2/imscc_xmlv1p1/assessment",
            href,
            {href: qti_xml(obj), f"{ident}/assessment_meta.xml": _quiz_meta(obj)},
        )
    if obj.kind == "discussion_topics":
        href = f"{ident}.xml"
        topic = (
            f'{_XML}<topic xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imsdt_v1p1"><title>{escape(obj.title)}</title>'
            f'<text texttype="text/html">{escape("<p>" + obj.title + "</p>")}</text></topic>\n'
        )
        files = {href: topic}
        if obj.is_announcement:
            files[f"{ident}/announcement_meta.xml"] = f"{_XML}<topicMeta><type>announcement</type></topicMeta>\n"
        return ident, "imsdt_xmlv1p1", href, files
    folder = "events" if obj.kind == "calendar_events" else "rubrics"
    href = f"course_settings/{folder}/{ident}.xml"
    return (
        ident,
        _LEARNING_APP,
        href,
        {href: f'{_XML}<{folder[:-1]} identifier="{ident}"><title>{escape(obj.title)}</title></{folder[:-1]}>\n'},
    )


def _manifest(ident: str, title: str, schema: tuple[str, str], organizations: str, resources: list[str]) -> str:
    return (
        f"{_XML}<manifest identifier={quoteattr(ident)} {_CC_NS}>\n  <metadata>\n"
        f"    <schema>{schema[0]}</schema>\n    <schemaversion>{schema[1]}</schemaversion>\n"
        f"    <lomimscc:lom><lomimscc:general><lomimscc:title><lomimscc:string>{escape(title)}"
        f"</lomimscc:string></lomimscc:title></lomimscc:general></lomimscc:lom>\n  </metadata>\n"
        f"{organizations}  <resources>\n" + "".join(resources) + "  </resources>\n</manifest>\n"
    )


def _resource(ident: str, kind: str, href: str, paths: list[str]) -> str:
    files = "".join(f"      <file href={quoteattr(p)}/>\n" for p in paths)
    return f"    <resource identifier={quoteattr(ident)} type={quoteattr(kind)} href={quoteattr(href)}>\n{files}    </resource>\n"


def _file_path(data: SampleData, file: File) -> str:
    folder = data.folders[file.folder_id].full_name.partition("/")[2]
    return "web_resources/" + (f"{folder}/" if folder else "") + file.display_name


def _item_ref(data: SampleData, item: ModuleItem) -> str:
    if item.type == "ExternalUrl":
        return resource_identifier("content_tags", item.id)
    if item.type == "File" and item.content_id:
        return resource_identifier("attachments", item.content_id)
    if item.content_id in data.content:
        obj = data.content[item.content_id]
        return resource_identifier(obj.kind, obj.id)
    return ""


def build_cc(data: SampleData, course: Course, plan: CCPlan, when: datetime) -> bytes:
    out = _Zip(when)
    resources: list[str] = []
    if plan.course_settings:
        settings = {
            "course_settings/course_settings.xml": f"{_XML}<course><title>{escape(course.name)}</title>"
            f"<course_code>{escape(course.course_code)}</course_code></course>\n",
            "course_settings/canvas_export.txt": "Q: What did the cartridge say to the LMS?\nA: Export me!\n",
        }
        resources.append(
            _resource("course_settings", _LEARNING_APP, "course_settings/canvas_export.txt", list(settings))
        )
        for path, text in settings.items():
            out.add(path, text)
    for obj in plan.content:
        ident, kind, href, files = _content_resource(obj)
        resources.append(_resource(ident, kind, href, list(files)))
        for path, text in files.items():
            out.add(path, text)
    for file in plan.files:
        path = _file_path(data, file)
        resources.append(_resource(resource_identifier("attachments", file.id), "webcontent", path, [path]))
        out.add(path, data.file_bytes(file.id))
    for link in plan.weblinks:
        ident = resource_identifier("content_tags", link.id)
        xml = (
            f'{_XML}<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1"><title>{escape(link.title)}</title>'
            f"<url href={quoteattr(link.external_url or '')}/></webLink>\n"
        )
        resources.append(_resource(ident, "imswl_xmlv1p1", f"{ident}.xml", [f"{ident}.xml"]))
        out.add(f"{ident}.xml", xml)
    organizations = "  <organizations/>\n"
    if plan.modules:
        modules = []
        for module, items in plan.modules:
            inner = "".join(
                f'          <item identifier="{resource_identifier("content_tags", i.id)}"'
                + (f' identifierref="{_item_ref(data, i)}"' if _item_ref(data, i) else "")
                + f"><title>{escape(i.title)}</title></item>\n"
                for i in items
            )
            modules.append(
                f'        <item identifier="context_module_{module.id}"><title>{escape(module.name)}</title>\n{inner}        </item>\n'
            )
        organizations = (
            '  <organizations>\n    <organization identifier="org_1" structure="rooted-hierarchy">\n'
            '      <item identifier="LearningModules">\n'
            + "".join(modules)
            + "      </item>\n    </organization>\n  </organizations>\n"
        )
    out.add(
        "imsmanifest.xml",
        _manifest(
            f"cc_export_course_{course.id}", course.name, ("IMS Common Cartridge", "1.1.0"), organizations, resources
        ),
    )
    return out.close()


def build_qti(course: Course, quizzes: list[Content], when: datetime) -> bytes:
    out = _Zip(when)
    resources = []
    for quiz in quizzes:
        ident = resource_identifier("quizzes", quiz.id)
        paths = [f"{ident}/{ident}.xml", f"{ident}/assessment_meta.xml"]
        resources.append(_resource(ident, "imsqti_xmlv1p2", paths[0], paths))
        out.add(paths[0], qti_xml(quiz))
        out.add(paths[1], _quiz_meta(quiz))
    out.add(
        "imsmanifest.xml",
        _manifest(
            f"qti_export_course_{course.id}", course.name, ("IMS Content", "1.1.3"), "  <organizations/>\n", resources
        ),
    )
    return out.close()


def build_zip(data: SampleData, plan: ZipPlan, when: datetime) -> bytes:
    out = _Zip(when)
    for path, file in plan.entries:
        out.add(path, None if file is None else data.file_bytes(file.id))
    return out.close()
