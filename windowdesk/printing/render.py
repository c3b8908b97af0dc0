"""Render a sheet (``windowdesk.printing.sheets``) to PDF bytes with its form's template.

    pdf = render(sheet)                       # bytes
    render_to_file(sheet, "notice.pdf")

The sheet's type picks the form (``FORM_OF``), the form's template in ``forms/`` says what
goes where; reportlab lays it out in the bundled WenQuanYi Micro Hei, embedded as a
TrueType subset. No Qt, no database. ``progress(done, total)`` is called as the work
advances (for the registration book, per chunk of lines; for a notice, at start and end).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer
from reportlab.platypus.doctemplate import LayoutError

from windowdesk.i18n import _
from windowdesk.printing import styles as st
from windowdesk.printing.blocks import BUILDERS, Context
from windowdesk.printing.layout import Decorations, FormDoc, FormLayoutError, para
from windowdesk.printing.sheets import FormKind, PrintMark
from windowdesk.printing.templates import SHEET_TYPES, Template, load_template

FORM_OF: dict[type, FormKind] = {sheet_type: kind for kind, sheet_type in SHEET_TYPES.items()}
ProgressCallback = Callable[[int, int], None]


def form_of(sheet: Any) -> FormKind:
    try:
        return FORM_OF[type(sheet)]
    except KeyError:
        raise TypeError(f"not a printable sheet: {type(sheet).__name__}") from None


def render(sheet: Any, *, progress: ProgressCallback | None = None) -> bytes:
    """The PDF of ``sheet`` (any of the sheets' dataclasses), as bytes."""
    buffer = io.BytesIO()
    _render(sheet, buffer, progress)
    return buffer.getvalue()


def give_usual_mode(fd: int) -> None:
    """A temporary file is private (0600); the PDF it becomes gets the mode any new file
    would (0644 under the usual umask), so others at the center can open it."""
    if hasattr(os, "fchmod"):
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)


def render_to_file(sheet: Any, path: str | os.PathLike[str], progress: ProgressCallback | None = None) -> Path:
    """Write the PDF of ``sheet`` to ``path`` (through a temporary file beside it, so a
    half-written PDF never replaces a good one). Returns the path."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    give_usual_mode(fd)
    try:
        with os.fdopen(fd, "wb") as fh:
            _render(sheet, fh, progress)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _render(sheet: Any, target: Any, progress: ProgressCallback | None) -> None:
    template = load_template(form_of(sheet))
    if progress:
        progress(0, _work_total(sheet))
    mark = getattr(sheet, "mark", None) or PrintMark()
    header = template.page.running_header.plain(sheet) if template.page.running_header else ""
    doc = FormDoc(target, template.page, Decorations(template.page, header, mark),
                  title=template.title.text.plain(sheet))
    ctx = Context(sheet=sheet, doc=doc, styles=st.styles(template.page.font_size), width=doc.width,
                  progress=progress)
    story = build_story(template, ctx)
    try:
        doc.build_story(story)
    except LayoutError as err:
        raise FormLayoutError(_("The form {form} cannot be laid out: {error}").format(
            form=template.kind.value, error=str(err).splitlines()[0])) from err
    if progress:
        total = _work_total(sheet)
        progress(total, total)


def _keep_last_block_with_next(story: list[Flowable]) -> None:
    """The seal never stands alone on a page: it takes the block before it along (back to
    its last flowable that is not a space)."""
    for flowable in reversed(story):
        flowable.keepWithNext = True
        if not isinstance(flowable, Spacer):
            break


def _work_total(sheet: Any) -> int:
    lines = getattr(sheet, "lines", None)
    return len(lines) if isinstance(lines, tuple) else 1


def title_flowables(template: Template, ctx: Context) -> list[Flowable]:
    title = template.title
    s = ctx.styles
    out: list[Flowable] = []
    if title.above:
        out.append(para(title.above.markup(ctx.sheet), s.above))
    out.append(para(title.text.markup(ctx.sheet), st.sized_style(s.title, title.size)))
    if title.below:
        out.append(para(title.below.markup(ctx.sheet), s.below))
    return out


def build_story(template: Template, ctx: Context) -> list[Flowable]:
    """The flowables of the whole form. Everything after a tear-off line (the stub that
    stays with the case) is kept together, so the stub is never cut in two; a seal is
    kept with the block before it."""
    story = title_flowables(template, ctx)
    stub: list[Flowable] | None = None
    for block in template.blocks:
        if not block.shown(ctx.sheet):
            continue
        flowables = BUILDERS[block.type](block, ctx)
        before, after = block["space_before"], block["space_after"]
        if before:
            flowables.insert(0, Spacer(1, before * mm))
        if after:
            flowables.append(Spacer(1, after * mm))
        if block.type == "tear_off":
            stub = []
        target = story if stub is None else stub
        if block.type == "seal":
            _keep_last_block_with_next(target)
        target.extend(flowables)
    if stub:
        story.append(KeepTogether(stub))
    return story
