"""The routes every approvable kind shares (slides, tickers, media, SMS campaigns, alerts): submit, approve,
reject and delete, registered on the package's blueprint by `add_review_routes`.

Each route looks the item up in the user's scope (`get_scoped_or_404`: another district's id is a 404),
runs the package's own workflow step (content's `workflow.approve` also snapshots the on-air version),
flashes the outcome in the user's language — refusals by their `ApprovalError.code`, translated once in
`signage.approval.ERROR_MESSAGES` — and redirects to the item's page (303, so a reload never re-posts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from signage import approval
from signage.extensions import db
from signage.scoping import get_scoped_or_404


@dataclass(frozen=True)
class Review:
    """How one kind of item goes through review. `submit`/`approve`/`reject` default to
    `signage.approval`'s (which only flush); `delete_refusal(item)` returns why it cannot be deleted (a
    translated message) or None; `delete(item)` deletes and commits (default: delete the row) and may
    raise one of `delete_refused` instead, whose text is shown."""

    model: type
    id_name: str  # the URL parameter, e.g. "slide_id"
    page: str  # endpoint of the item's page
    index: str  # endpoint of the list, where a deleted item's user lands
    submit: Callable | None = None
    approve: Callable | None = None
    reject: Callable | None = None
    delete_refusal: Callable | None = None
    delete: Callable | None = None
    delete_refused: tuple[type[Exception], ...] = ()
    #: where the routes go on a blueprint shared with other kinds: "/campaigns" → /campaigns/<id>/submit,
    #: endpoints "campaign_submit", ... with endpoint_prefix "campaign_"
    rule_prefix: str = ""
    endpoint_prefix: str = ""
    deletable: bool = True
    #: the workflow steps given routes (an alert is raised, not submitted: ("approve", "reject"))
    actions: tuple[str, ...] = ("submit", "approve", "reject")


def transition(item, action: str, review: Review | None = None, comment: str = "") -> bool:
    """Run one workflow step and flash the outcome. Returns False (after a rollback and an error flash)
    when the workflow refuses it."""
    steps = {
        "submit": ((review and review.submit) or _flushed(approval.submit), _("Submitted for approval.")),
        "approve": ((review and review.approve) or _flushed(approval.approve),
                    _("Approved: this version is now on air.")),
        "reject": ((review and review.reject) or _flushed(approval.reject),
                   _("Rejected with a comment to the author.")),
    }
    step, done = steps[action]
    try:
        step(item) if action == "submit" else step(item, comment)
    except approval.ApprovalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    flash(done, "success")
    return True


def _flushed(step: Callable) -> Callable:
    def run(item, *args):
        step(item, *args)
        db.session.commit()

    return run


def add_review_routes(bp: Blueprint, review: Review) -> None:
    """POST /<id>/submit, /approve, /reject (those in `review.actions`) and (when deletable) /delete on `bp`,
    under `rule_prefix`; endpoints submit/approve/reject/delete, after `endpoint_prefix`."""
    rule = f"{review.rule_prefix}/<int:{review.id_name}>"

    def page(item_id: int):
        return redirect(url_for(review.page, **{review.id_name: item_id})), 303

    def step_view(action: str):
        def view(**kwargs):
            item_id = kwargs[review.id_name]
            item = get_scoped_or_404(review.model, item_id)
            transition(item, action, review, request.form.get("comment", ""))
            return page(item_id)

        view.__name__ = action
        return login_required(view)

    for action in review.actions:
        bp.add_url_rule(f"{rule}/{action}", endpoint=review.endpoint_prefix + action, view_func=step_view(action),
                        methods=["POST"])
    if not review.deletable:
        return

    def delete(**kwargs):
        item_id = kwargs[review.id_name]
        item = get_scoped_or_404(review.model, item_id)
        refusal = review.delete_refusal(item) if review.delete_refusal else None
        if refusal:
            flash(refusal, "error")
            return page(item_id)
        if review.delete:
            try:
                review.delete(item)
            except review.delete_refused as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return page(item_id)
        else:
            db.session.delete(item)
            db.session.commit()
        flash(_("Deleted."), "success")
        return redirect(url_for(review.index)), 303

    bp.add_url_rule(f"{rule}/delete", endpoint=review.endpoint_prefix + "delete", view_func=login_required(delete),
                    methods=["POST"])
