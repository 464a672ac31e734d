"""Groups live in core.groups, owned by the whole app, not by the documents."""
import importlib.util
import subprocess
from pathlib import Path

from core.documents import DocumentError
from core.groups import GroupError
from core.i18n import MessageError

ROOT = Path(__file__).resolve().parents[2]


def test_the_old_module_is_gone():
    assert importlib.util.find_spec("core.groups") is not None
    assert importlib.util.find_spec("core.documents.groups") is None
    assert not (ROOT / "core" / "documents" / "groups.py").exists()


def test_no_source_imports_the_old_path():
    found = subprocess.run(["git", "grep", "-l", "-e", "core.documents.groups", "-e", "documents import groups",
                            "--", "*.py", "*.html", "*.md"], cwd=ROOT, capture_output=True, text=True).stdout
    assert [line for line in found.splitlines() if line != "tests/groups/test_module.py"] == []


def test_group_error_is_its_own_message_error():
    assert issubclass(GroupError, MessageError) and not issubclass(GroupError, DocumentError)
    error = GroupError("없는 아이디입니다: %(usernames)s", usernames="nobody")
    assert str(error) == "없는 아이디입니다: nobody"
    assert error.detail == {"msgid": "없는 아이디입니다: %(usernames)s", "params": {"usernames": "nobody"}}
