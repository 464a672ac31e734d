"""The citizens' pages' tests use the lettering fixtures: the provider simulators, a worker draining the queue,
and the clock at a weekday morning."""
import pytest

from tests.lettering.conftest import clock, drain, make_worker, settings, sim  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def optout_code_template(app):
    """The opt-out code's AlimTalk template, approved: only an approved template is ever sent."""
    from core.lettering.optout import CODE_TEMPLATE, CODE_TEMPLATE_BODY
    from core.models.lettering import AlimTalkTemplate
    from extensions import db

    db.session.add(AlimTalkTemplate(code=CODE_TEMPLATE, name="수신 거부 인증번호", body=CODE_TEMPLATE_BODY,
                                    buttons=[], status="approved"))
    db.session.commit()
