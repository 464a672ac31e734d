"""The Smart Lettering console under /admin/lettering: lines and their import, campaigns and
templates (read-only for now), the dispatch log with each call's timeline, opt-outs, dead jobs
and daily statistics; plus the ``lines`` and ``lettering`` CLI commands.

Department admins see and edit only their own department's lines and calls; admins see all.
"""
from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from web.console import register_console_link
from web.sessions import roles_required

bp = Blueprint("lettering", __name__, url_prefix="/admin/lettering")


@bp.before_request
@roles_required("dept_admin")
def _require_console_role() -> None:
    return None


def init_app(app: Flask) -> None:
    from blueprints.lettering.cli import demo_calls_command, lines_group

    app.cli.add_command(lines_group)
    # The engine side may register its own ``lettering`` group; share it rather than replace it.
    group = app.cli.commands.get("lettering")
    if group is None:
        from blueprints.lettering.cli import lettering_group as group

        app.cli.add_command(group)
    group.add_command(demo_calls_command)

    register_console_link("lettering.calls", _l("발신 기록"), order=20)
    register_console_link("lettering.stats", _l("레터링 통계"), order=21)
    register_console_link("lettering.lines", _l("회선"), order=22)
    register_console_link("lettering.campaigns", _l("캠페인"), order=23)
    register_console_link("lettering.optouts", _l("수신 거부"), order=24)
    register_console_link("lettering.alimtalk_templates", _l("알림톡 템플릿"), role="admin", order=24)
    register_console_link("lettering.dead_jobs", _l("실패 작업"), role="admin", order=25)


from blueprints.lettering import alimtalk, calls, campaigns, jobs, lines, optouts, stats  # noqa: F401
