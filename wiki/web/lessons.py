"""Lesson pages: view, create, edit (with preview and merge on conflict), history, diff, revert."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_limiter import Limiter
from markupsafe import escape
from werkzeug.wrappers import Response as WerkzeugResponse

from wiki import rendering
from wiki.extensions import db
from wiki.services import curation as curation_service
from wiki.services import diff, finding_text, lessons, municipalities, permissions, search
from wiki.services import history as history_service
from wiki.services.errors import (
    EditConflict,
    FieldDenied,
    FieldError,
    PermissionDenied,
    PersonalDataFound,
    ScannerNotReady,
    SlugTaken,
    ValidationFailed,
)
from wiki.services.validation import LessonInput, slugify, validate
from wiki.vocabulary import LESSON_TEMPLATE
from wiki.web import curation, viewer
from wiki.web.forms import LessonForm, PreviewForm, RedactForm, RevertForm

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


def _require_writer() -> WerkzeugResponse | None:
    """Send anonymous visitors to the login page; refuse readers."""
    user = viewer()
    if user is None:
        return redirect(url_for("accounts.login", next=request.full_path))
    permissions.require_writer(user)
    return None


@bp.get("/")
def index() -> str:
    page = lessons.listing(
        viewer(),
        municipality=request.args.get("municipality") or None,
        province=request.args.get("province") or None,
        type=request.args.get("type") or None,
        theme=request.args.get("theme") or None,
        tag=request.args.get("tag") or None,
        page=request.args.get("page", 1, type=int),
        order=request.args.get("order", "title"),
    )
    return render_template("lessons/index.html", page=page, args=request.args)


@bp.get("/<slug>")
def view(slug: str) -> str:
    return lesson_page(slug)


def lesson_page(slug: str, posted: dict[str, str] | None = None) -> str:
    """The lesson page; `posted` refills a refused form ("form-field": text), so nothing
    typed is lost."""
    user = viewer()
    lesson, revision = lessons.get_current(slug, user)
    parts = curation_service.page_parts(lesson, user)
    return render_template(
        "lessons/view.html",
        lesson=lesson,
        revision=revision,
        fm=revision.front_matter,
        rendered=lessons.rendered(revision),
        backlinks=parts.backlinks,
        as_markup=rendering.as_markup,
        posted=posted or {},
        **curation.trust_context(lesson, user, parts),
    )


@bp.get("/<slug>/related")
def related(slug: str) -> str:
    """Similar lessons: a page of its own, and a fragment the lesson page loads after it shows
    (more-like-this costs tens of milliseconds; the lesson itself must not wait for it)."""
    user = viewer()
    lesson = lessons.get(slug, user)
    template = "lessons/_related.html" if request.args.get("fragment") else "lessons/related.html"
    return render_template(template, lesson=lesson, related=search.related(lesson.slug, user))


@bp.get("/<slug>/revisions/<int:number>")
def view_revision(slug: str, number: int) -> str:
    user = viewer()
    lesson = lessons.get(slug, user)
    revision = history_service.get(lesson, number, user)
    return _revision_page(
        lesson,
        revision,
        sees_all=permissions.sees_all_revisions(user, lesson),
        redact_form=_redact_form(user, lesson, revision.number),
    )


def _revision_page(lesson: Any, revision: Any, *, sees_all: bool, redact_form: Any) -> str:
    """An older revision shown as the lesson page is, read-only."""
    return render_template(
        "lessons/view.html",
        lesson=lesson,
        revision=revision,
        fm=revision.front_matter,
        rendered=lessons.rendered(revision),
        backlinks=[],
        can_edit=False,
        old_revision=True,
        as_markup=rendering.as_markup,
        sees_all=sees_all,
        redact_form=redact_form,
    )


def _redact_form(user: Any, lesson: Any, number: int) -> RedactForm | None:
    """The redaction form, for curators on older revisions not yet redacted."""
    if not permissions.is_curator(user) or number == lesson.revision_number:
        return None
    return RedactForm()


@bp.get("/<slug>/source")
def source(slug: str) -> Response:
    _lesson, revision = lessons.get_current(slug, viewer())
    text = lessons.file_text(revision)
    return Response(text, mimetype="text/markdown; charset=utf-8")


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    if (redirect_to := _require_writer()) is not None:
        return redirect_to
    form = LessonForm()
    if request.method == "GET":
        suggested = slugify(request.args.get("slug", ""))
        form.slug.data = suggested
        form.title.data = suggested.replace("-", " ").capitalize() if suggested else ""
        form.body.data = LESSON_TEMPLATE
        user = viewer()
        if user is not None and user.municipality is not None:
            form.municipality.data = user.municipality.name
        if permissions.review_required() and not permissions.is_curator(user):
            form.status.data = "in-review"  # authors may not publish directly here
        return _form_page(form, is_new=True)
    if not form.validate_on_submit():
        return _form_page(form, is_new=True), 400
    try:
        data = validate(form.front_matter(), form.body.data or "")
    except ValidationFailed as exc:
        return _form_page(form, is_new=True, errors=exc.errors), 422
    if "preview" in request.form:
        return _form_page(form, is_new=True, preview=lessons.render_body(data.body, viewer()).html)
    try:
        result = lessons.create(data, viewer(), form.comment.data or "")
    except SlugTaken as exc:
        return _form_page(form, is_new=True, errors=[FieldError("slug", exc.message)]), 409
    except PersonalDataFound as exc:
        return _form_page(form, is_new=True, findings=exc), 422
    except PermissionDenied as exc:
        return _form_page(form, is_new=True, errors=[_refused_field(exc)]), 403
    except ScannerNotReady as exc:
        flash(exc.message, "error")
        return _form_page(form, is_new=True), exc.status, exc.headers()
    flash(gettext("The lesson has been saved."), "success")
    _flash_findings(result.findings, data)
    return redirect(url_for("lessons.view", slug=result.lesson.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str) -> Any:
    if (redirect_to := _require_writer()) is not None:
        return redirect_to
    lesson = lessons.get(slug, viewer())
    permissions.require_edit(viewer(), lesson)
    form = LessonForm()
    if request.method == "GET":
        current = lessons.current_revision(lesson)
        form.fill_from(lessons.input_of(current))
        form.base_revision.data = str(current.number)
        return _form_page(form, lesson=lesson)
    form.slug.data = lesson.slug
    if not form.validate_on_submit():
        return _form_page(form, lesson=lesson), 400
    try:
        data = validate(form.front_matter(), form.body.data or "")
    except ValidationFailed as exc:
        return _form_page(form, lesson=lesson, errors=exc.errors), 422
    if "preview" in request.form:
        return _form_page(
            form, lesson=lesson, preview=lessons.render_body(data.body, viewer()).html
        )
    base = _base_revision(form)
    try:
        result = lessons.update(slug, data, base, viewer(), form.comment.data or "")
    except EditConflict as exc:
        return _merge_page(form, lesson, data, exc), 409
    except PersonalDataFound as exc:
        return _form_page(form, lesson=lesson, findings=exc), 422
    except PermissionDenied as exc:
        if not permissions.can_edit(viewer(), lesson):
            raise
        return _form_page(form, lesson=lesson, errors=[_refused_field(exc)]), 403
    except ScannerNotReady as exc:
        flash(exc.message, "error")  # the form below keeps everything typed
        return _form_page(form, lesson=lesson), exc.status, exc.headers()
    _flash_findings(result.findings, data)
    if result.changed:
        flash(gettext("Saved as revision %(number)s.", number=result.revision.number), "success")
    else:
        flash(gettext("Nothing was changed; no new revision."), "info")
    return redirect(url_for("lessons.view", slug=slug))


def _refused_field(error: PermissionDenied) -> FieldError:
    """Where the form shows a refusal: at the field it names, else at the status."""
    return FieldError(error.field if isinstance(error, FieldDenied) else "status", error.message)


def _flash_findings(findings: list[Any], data: LessonInput) -> None:
    """A draft may hold possible personal data; say what and where, so it is removed before
    publishing."""
    texts = lessons.text_fields(data)
    for finding in findings:
        flash(
            gettext(
                "Possible personal data %(finding)s. Remove it before you publish.",
                finding=finding_text.describe(finding, texts),
            ),
            "warning",
        )


def _base_revision(form: LessonForm | RevertForm) -> int:
    raw = (form.base_revision.data or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):  # int() refuses '²', 5,000 digits
        abort(400, gettext("base_revision is missing"))
    return int(raw)


def _form_page(
    form: LessonForm,
    *,
    lesson: Any = None,
    is_new: bool = False,
    errors: list[FieldError] | None = None,
    preview: str | None = None,
    findings: PersonalDataFound | None = None,
) -> str:
    field_errors = {e.field: e.message for e in errors or []}
    return render_template(
        "lessons/form.html",
        form=form,
        lesson=lesson,
        is_new=is_new,
        field_errors=field_errors,
        findings=list(zip(findings.findings, findings.descriptions, strict=True))
        if findings is not None
        else [],
        preview=rendering.as_markup(preview) if preview is not None else None,
        municipality_names=_municipality_names(),
    )


def _municipality_names() -> list[str]:
    names: list[str] = []
    for record in municipalities.directory().records:
        names.append(record.name)
        names.extend(record.aliases)
    return sorted(set(names), key=str.casefold)


def _merge_page(form: LessonForm, lesson: Any, mine: LessonInput, conflict: EditConflict) -> str:
    """Nothing is overwritten and nothing typed is lost: both versions and their diff."""
    theirs = lessons.current_revision(lesson)
    base = (
        lessons.get_revision(lesson, conflict.info.base_revision)
        if conflict.info.base_revision > 0
        else None
    )
    mine_text = _file_text_of(mine)
    theirs_text = lessons.file_text(theirs)
    form.base_revision.data = str(theirs.number)
    return render_template(
        "lessons/merge.html",
        form=form,
        lesson=lesson,
        theirs=theirs,
        base=base,
        mine_text=mine_text,
        theirs_text=theirs_text,
        rows=diff.diff_texts(theirs_text, mine_text),
        field_errors={},
        preview=None,
        municipality_names=_municipality_names(),
        is_new=False,
    )


def _file_text_of(data: LessonInput) -> str:
    from wiki import lessonfile

    return lessonfile.dump(data.front_matter(), data.body)


@bp.post("/preview")
def preview() -> Any:
    """The live preview: sanitised HTML of posted Markdown, for signed-in writers only.

    Rate-limited per user (PREVIEW_RATE_LIMIT, see `limit_previews`); a body the renderer
    refuses answers 422 with the reason as a paragraph the editor shows in the preview.
    """
    user = viewer()
    if user is None:
        abort(401)
    permissions.require_writer(user)
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        html = lessons.render_body(form.body.data or "", viewer()).html
    except ValidationFailed as exc:  # "Tekst: ..." with the form's label
        return Response(
            f'<p class="error">{escape(exc.message)}</p>', status=422, mimetype="text/html"
        )
    return Response(html, mimetype="text/html")


def limit_previews(limiter: Limiter) -> None:
    """Limit live previews per signed-in user to PREVIEW_RATE_LIMIT ("60 per minute").

    The editor asks for one after each pause in typing; anonymous requests are refused (401)
    before any rendering, so they are not counted.
    """
    limiter.limit(
        lambda: str(current_app.config["PREVIEW_RATE_LIMIT"]),
        key_func=_preview_key,
        methods=["POST"],
        exempt_when=lambda: request.endpoint != "lessons.preview" or viewer() is None,
    )(bp)


def _preview_key() -> str:
    user = viewer()
    return f"preview-user-{user.id}" if user is not None else "preview-anonymous"


@bp.get("/<slug>/history")
def history(slug: str) -> str:
    user = viewer()
    lesson = lessons.get(slug, user)
    return render_template(
        "lessons/history.html",
        lesson=lesson,
        entries=history_service.entries(lesson, user),
        can_edit=permissions.can_edit(user, lesson),
        sees_all=permissions.sees_all_revisions(user, lesson),
        is_curator=permissions.is_curator(user),
        revert_form=RevertForm(),
    )


@bp.get("/<slug>/diff")
def compare(slug: str) -> str:
    user = viewer()
    lesson = lessons.get(slug, user)
    numbers = history_service.visible_numbers(lesson, user)
    newest = lesson.revision_number
    new_no = request.args.get("to", newest, type=int)
    earlier = [n for n in numbers if n < new_no]
    old_no = request.args.get("from", earlier[-1] if earlier else new_no, type=int)
    old = history_service.get(lesson, old_no, user)
    new_rev = history_service.get(lesson, new_no, user)
    rows = diff.diff_texts(lessons.file_text(old), lessons.file_text(new_rev))
    return render_template(
        "lessons/diff.html",
        lesson=lesson,
        old=old,
        new=new_rev,
        rows=rows,
        changed=diff.has_changes(rows),
        numbers=numbers,
    )


@bp.post("/<slug>/revert/<int:number>")
def revert(slug: str, number: int) -> Any:
    if (redirect_to := _require_writer()) is not None:
        return redirect_to
    form = RevertForm()
    if not form.validate_on_submit():
        abort(400)
    lessons.get(slug, viewer())
    base = _base_revision(form)
    try:
        result = lessons.revert(slug, number, base, viewer())
    except ValidationFailed as exc:
        for error in exc.errors:
            flash(error.message, "error")
        return redirect(url_for("lessons.history", slug=slug))
    except EditConflict:
        flash(
            gettext("Someone has changed the lesson in the meantime; look at the history again."),
            "error",
        )
        return redirect(url_for("lessons.history", slug=slug))
    if result.changed:
        flash(
            gettext(
                "Revision %(number)s has been restored as revision %(new_number)s.",
                number=number,
                new_number=result.revision.number,
            ),
            "success",
        )
    else:
        flash(gettext("That revision is the same as the current one; nothing was changed."), "info")
    return redirect(url_for("lessons.view", slug=slug))


@bp.post("/<slug>/revisions/<int:number>/redact")
def redact(slug: str, number: int) -> Any:
    """A curator replaces the texts of an older revision (with a reason, audited)."""
    user = viewer()
    if user is None:
        return redirect(url_for("accounts.login", next=request.full_path))
    form = RedactForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        history_service.redact(slug, number, user, form.reason.data or "")
    except (ValidationFailed, PersonalDataFound) as exc:
        db.session.rollback()
        lesson = lessons.get(slug, user)
        revision = history_service.get(lesson, number, user)
        messages = exc.errors if isinstance(exc, ValidationFailed) else []
        for error in messages:
            flash(error.message, "error")
        if isinstance(exc, PersonalDataFound):
            flash(gettext("Not saved: %(reason)s", reason=exc.message), "error")
        # The form again, with what was typed.
        return _revision_page(lesson, revision, sees_all=True, redact_form=form), 422
    db.session.commit()  # the redaction and its audit event together
    flash(gettext("Revision %(number)s has been redacted.", number=number), "success")
    return redirect(url_for("lessons.history", slug=slug))
