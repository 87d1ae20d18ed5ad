"""Packages for the package-reader tests: real ones from the simulator, rewritten ones
(Canvas's md5 identifiers, global identifiers) and hostile ones."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from desktop_app.simulator.data import SampleData
from desktop_app.simulator.packages import build_cc, build_qti, build_zip
from desktop_app.simulator.selection import Selection, plan_cc, plan_qti, plan_zip

WHEN = datetime(2026, 9, 1, 12, 0)
DATA = SampleData.build()
COURSE = DATA.courses[DATA.main_course_id]


def raw(selection: dict[str, list[int]]) -> dict[str, list[str]]:
    return {key: [str(i) for i in ids] for key, ids in selection.items()}


def cc_bytes(selection: dict[str, list[int]] | None = None) -> bytes:
    sel = Selection.parse(raw(selection)) if selection else Selection()
    return build_cc(DATA, COURSE, plan_cc(DATA, COURSE.id, sel), WHEN)


def qti_bytes(selection: dict[str, list[int]] | None = None) -> bytes:
    sel = Selection.parse(raw(selection)) if selection else Selection()
    return build_qti(COURSE, plan_qti(DATA, COURSE.id, sel), WHEN)


def files_zip_bytes() -> bytes:
    plan = plan_zip(DATA, ("course", COURSE.id), Selection(), True)
    assert plan is not None
    return build_zip(DATA, plan, WHEN)


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def rewrite(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The same zip with `change(name, bytes) -> (name, bytes) | None` applied to every entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            changed = change(info.filename, src.read(info))
            if changed is not None:
                dst.writestr(changed[0], changed[1])
    return out.getvalue()


_ASSET = re.compile(
    r'(identifier(?:ref)?=")((?:wiki_page|assignment|quiz|discussion_topic|calendar_event|rubric|'
    r'attachment|context_module|content_tag)_(\d+))"'
)


def canvas_identifiers(data: bytes, prefix: str = "i", shard: int | None = None) -> bytes:
    """Identifiers as a real Canvas writes them: `i` + md5(asset string), or with global
    identifiers `g` + md5(global asset string) (the shard's id * 10**13 + the id)."""

    def key(match: re.Match[str]) -> str:
        asset, object_id = match.group(2), int(match.group(3))
        kind = asset.rsplit("_", 1)[0]
        if kind == "quiz":
            kind = "quizzes:quiz"
        if shard is not None:
            object_id += shard * 10**13
        return f'{match.group(1)}{prefix}{hashlib.md5(f"{kind}_{object_id}".encode()).hexdigest()}"'

    def change(name: str, payload: bytes):  # type: ignore[no-untyped-def]
        if name == "imsmanifest.xml":
            return name, _ASSET.sub(key, payload.decode()).encode()
        return name, payload

    return rewrite(data, change)


# ------------------------------------------------------------------ Canvas's own single-file layouts
_CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
_LOR = "associatedcontent/imscc_xmlv1p1/learning-application-resource"


def canvas_key(asset: str) -> str:
    """The identifier Canvas gives an object: `i` + md5 of its asset string."""
    return "i" + hashlib.md5(asset.encode()).hexdigest()


COURSE_KEY = canvas_key("course_501")
RUBRIC_KEY = canvas_key("rubric_71")
OTHER_RUBRIC_KEY = canvas_key("rubric_72")
ASSIGNMENT_KEY = canvas_key("assignment_61")
EVENT_KEYS = (canvas_key("calendar_event_81"), canvas_key("calendar_event_82"))
LTI_KEY = canvas_key("context_external_tool_91")
OLD_TOOL_KEY = canvas_key("context_external_tool_92")
LINK_KEY = canvas_key("web_link_93")  # a module item's link; Canvas keys it by its content tag
IMAGE_KEY = canvas_key("attachment_95")


def canvas_layout_cc(png: bytes = b"") -> bytes:
    """A cartridge laid out as Canvas's exporter writes it (lib/cc/*.rb): one course_settings
    resource whose files include `events.xml` (every calendar event), `rubrics.xml` (every
    rubric) and, as older exports did, `external_tools.xml`; an assignment whose settings
    name its rubric (`rubric_identifierref`); an LTI link (`imsbasiclti_xmlv1p0`, a
    `cartridge_basiclti_link` with `blti:` elements, its file named only by `<file>`); a web
    link (`imswl_xmlv1p1`); and, when `png` is given, an image under web_resources/."""
    manifest = f'''<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{COURSE_KEY}_manifest" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
  xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest">
  <metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion>
    <lomimscc:lom><lomimscc:general><lomimscc:title><lomimscc:string>Canvas Layout 101</lomimscc:string>
    </lomimscc:title></lomimscc:general></lomimscc:lom></metadata>
  <organizations><organization identifier="org_1" structure="rooted-hierarchy">
    <item identifier="LearningModules">
      <item identifier="{canvas_key("context_module_1")}"><title>Week 1</title>
        <item identifier="{canvas_key("content_tag_1")}" identifierref="{ASSIGNMENT_KEY}"><title>Essay 1</title></item>
        <item identifier="{canvas_key("content_tag_2")}" identifierref="{LTI_KEY}"><title>Lab simulator</title></item>
        <item identifier="{canvas_key("content_tag_3")}" identifierref="{LINK_KEY}"><title>Style guide</title></item>
      </item>
    </item>
  </organization></organizations>
  <resources>
    <resource identifier="{COURSE_KEY}" type="{_LOR}" href="course_settings/canvas_export.txt">
      <file href="course_settings/course_settings.xml"/>
      <file href="course_settings/rubrics.xml"/>
      <file href="course_settings/events.xml"/>
      <file href="course_settings/external_tools.xml"/>
      <file href="course_settings/canvas_export.txt"/>
    </resource>
    <resource identifier="{ASSIGNMENT_KEY}" type="{_LOR}" href="{ASSIGNMENT_KEY}/essay-1.html">
      <file href="{ASSIGNMENT_KEY}/essay-1.html"/>
      <file href="{ASSIGNMENT_KEY}/assignment_settings.xml"/>
    </resource>
    <resource identifier="{LTI_KEY}" type="imsbasiclti_xmlv1p0">
      <file href="{LTI_KEY}.xml"/>
    </resource>
    <resource identifier="{LINK_KEY}" type="imswl_xmlv1p1">
      <file href="{LINK_KEY}.xml"/>
    </resource>
    {f'<resource identifier="{IMAGE_KEY}" type="webcontent" href="web_resources/Images/diagram.png"><file href="web_resources/Images/diagram.png"/></resource>' if png else ""}
  </resources>
</manifest>'''
    rubrics = f'''<?xml version="1.0" encoding="UTF-8"?>
<rubrics xmlns="{_CANVAS_NS}">
  <rubric identifier="{RUBRIC_KEY}">
    <read_only>false</read_only><title>Essay rubric</title><reusable>false</reusable><public>false</public>
    <points_possible>10.0</points_possible><free_form_criterion_comments>false</free_form_criterion_comments>
    <criteria>
      <criterion><criterion_id>_101</criterion_id><points>6.0</points><description>Argument</description>
        <long_description>A clear claim, supported</long_description>
        <ratings>
          <rating><description>Convincing</description><points>6.0</points><criterion_id>_101</criterion_id><id>r1</id></rating>
          <rating><description>Unclear</description><points>0.0</points><criterion_id>_101</criterion_id><id>r2</id></rating>
        </ratings></criterion>
      <criterion><criterion_id>_102</criterion_id><points>4.0</points><description>Sources cited</description>
        <ratings>
          <rating><description>All cited</description><points>4.0</points><criterion_id>_102</criterion_id><id>r3</id></rating>
        </ratings></criterion>
    </criteria>
  </rubric>
  <rubric identifier="{OTHER_RUBRIC_KEY}"><title>Lab report rubric</title><points_possible>5.0</points_possible>
    <criteria><criterion><criterion_id>_201</criterion_id><points>5.0</points><description>Method</description></criterion></criteria>
  </rubric>
</rubrics>'''
    events = f'''<?xml version="1.0" encoding="UTF-8"?>
<events xmlns="{_CANVAS_NS}">
  <event identifier="{EVENT_KEYS[0]}"><title>Midterm review</title>
    <description>&lt;p&gt;Bring &lt;b&gt;questions&lt;/b&gt;.&lt;/p&gt;</description>
    <start_at>2026-10-05T14:00:00</start_at><end_at>2026-10-05T15:30:00</end_at></event>
  <event identifier="{EVENT_KEYS[1]}"><title>Field trip</title><description></description>
    <start_at>2026-11-02T00:00:00</start_at><end_at>2026-11-02T00:00:00</end_at>
    <all_day>true</all_day><all_day_date>2026-11-02</all_day_date></event>
</events>'''
    tools = f'''<?xml version="1.0" encoding="UTF-8"?>
<externalTools xmlns="{_CANVAS_NS}">
  <externalTool identifier="{OLD_TOOL_KEY}"><title>Citation helper</title>
    <description>Formats references</description><url>https://cite.example.org/launch</url>
    <domain>cite.example.org</domain><privacy_level>anonymous</privacy_level></externalTool>
</externalTools>'''
    settings = f'''<?xml version="1.0" encoding="UTF-8"?>
<assignment identifier="{ASSIGNMENT_KEY}" xmlns="{_CANVAS_NS}">
  <title>Essay 1</title><due_at>2026-10-09T23:59:00</due_at><points_possible>10.0</points_possible>
  <grading_type>points</grading_type><submission_types>online_text_entry,online_upload</submission_types>
  <rubric_identifierref>{RUBRIC_KEY}</rubric_identifierref><rubric_use_for_grading>true</rubric_use_for_grading>
</assignment>'''
    lti = """<?xml version="1.0" encoding="UTF-8"?>
<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0"
  xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0" xmlns:lticm="http://www.imsglobal.org/xsd/imslticm_v1p0"
  xmlns:lticp="http://www.imsglobal.org/xsd/imslticp_v1p0">
  <blti:title>Lab simulator</blti:title>
  <blti:description>Runs the circuit lab in the browser</blti:description>
  <blti:secure_launch_url>https://lab.example.org/lti/launch</blti:secure_launch_url>
  <blti:vendor><lticp:code>unknown</lticp:code><lticp:name>unknown</lticp:name></blti:vendor>
  <blti:extensions platform="canvas.instructure.com">
    <lticm:property name="privacy_level">public</lticm:property>
    <lticm:property name="domain">lab.example.org</lticm:property>
  </blti:extensions>
</cartridge_basiclti_link>"""
    link = """<?xml version="1.0" encoding="UTF-8"?>
<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1">
  <title>Style guide</title><url href="https://style.example.org/guide" target="_blank"/>
</webLink>"""
    image = '<p><img src="$IMS-CC-FILEBASE$/Images/diagram.png" alt="Diagram"></p>' if png else ""
    page = f"<html><head><title>Essay 1</title></head><body><p>Write 800 words.</p>{image}</body></html>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", manifest)
        z.writestr(
            "course_settings/course_settings.xml",
            f'<course identifier="{COURSE_KEY}" xmlns="{_CANVAS_NS}"><title>Canvas Layout 101</title></course>',
        )
        z.writestr("course_settings/rubrics.xml", rubrics)
        z.writestr("course_settings/events.xml", events)
        z.writestr("course_settings/external_tools.xml", tools)
        z.writestr("course_settings/canvas_export.txt", "Q: a panda joke\n")
        z.writestr(f"{ASSIGNMENT_KEY}/essay-1.html", page)
        z.writestr(f"{ASSIGNMENT_KEY}/assignment_settings.xml", settings)
        z.writestr(f"{LTI_KEY}.xml", lti)
        z.writestr(f"{LINK_KEY}.xml", link)
        if png:
            z.writestr("web_resources/Images/diagram.png", png)
    return out.getvalue()
