"""Every action code recorded anywhere in the source has a readable label (core.audit_labels), in its category.

The source is read with ``ast``: each call of ``record``/``audit.record`` (and of the ``_audit`` wrapper in
blueprints/admin/users.py) gives its action argument; a literal is a code, a conditional gives both branches,
and an f-string must be one this test knows how to expand. Anything else fails, so that a new code cannot slip
past without a label."""
from __future__ import annotations

import ast
from pathlib import Path

from core import audit_labels
from core.accounts import SignIn

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("core", "blueprints", "web", "lettering_worker", "app.py", "extensions.py")
RECORDERS = {"record": 1, "_audit": 0, "submit_import": 1}   # function name → index of the action argument
# f-strings that build codes, and what they can build.
EXPANSIONS = {"login_": [f"login_{r.value}" for r in SignIn if r not in (SignIn.OK, SignIn.THROTTLED)]}


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _codes(node: ast.expr, where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, where) + _codes(node.orelse, where)
    if isinstance(node, ast.JoinedStr):
        head = node.values[0]
        prefix = head.value if isinstance(head, ast.Constant) else ""
        assert prefix in EXPANSIONS, f"{where}: an f-string action code this test cannot expand"
        return EXPANSIONS[prefix]
    raise AssertionError(f"{where}: an action code that is not a string literal ({ast.unparse(node)})")


def recorded_codes() -> dict[str, str]:
    """code → first place it is recorded."""
    codes: dict[str, str] = {}
    for path in _files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in RECORDERS or (name == "record" and not _is_audit_record(node, tree)):
                continue
            index = RECORDERS[name]
            if len(node.args) <= index:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            argument = node.args[index]
            if name == "_audit" or not (isinstance(argument, ast.Name) and _is_parameter(tree, node, argument.id)):
                for code in _codes(argument, where):
                    codes.setdefault(code, where)
    return codes


def _imports_audit_record(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and n.module == "core.audit" and any(a.name == "record" for a in n.names)
               for n in ast.walk(tree))


def _is_audit_record(node: ast.Call, tree: ast.Module) -> bool:
    """``audit.record(...)``, or ``record(...)`` in a module that imports it from core.audit."""
    if isinstance(node.func, ast.Attribute):
        return isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
    return _imports_audit_record(tree)


def _is_parameter(tree: ast.Module, call: ast.Call, name: str) -> bool:
    """The action is a parameter of the enclosing wrapper (its callers are scanned through RECORDERS)."""
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef) and func.name in RECORDERS and any(n is call for n in ast.walk(func)):
            return name in {a.arg for a in func.args.args}
    return False


def test_the_scan_finds_the_codes_we_know():
    codes = recorded_codes()
    for code in ("lettering.call.view", "emergency.answered", "emergency.group_created", "emergency.group_updated",
                 "admin.user.create", "login", "login_bad_credentials", "logout", "duty.add", "cards.show_mobile",
                 "board.post.create", "push.send", "document.upload", "audit.export", "menu.import"):
        assert code in codes, code


def test_every_recorded_code_has_a_label_and_a_category():
    codes = recorded_codes()
    missing = {code: where for code, where in codes.items() if code not in audit_labels.ACTIONS}
    assert not missing, f"add labels to core/audit_labels.py for {missing}"
    uncategorised = {code for code in codes if audit_labels.category_of(code) not in audit_labels.CATEGORIES}
    assert not uncategorised, f"add these codes' categories to core/audit_labels.py: {uncategorised}"


def test_labels_and_categories():
    assert audit_labels.action_label("lettering.call.view") == "통화 처리 과정 조회"
    assert audit_labels.category_of("lettering.call.view") == "lettering"
    assert audit_labels.category_of("login_locked") == "auth"
    assert audit_labels.category_of("setting_changed") == "settings"
    assert audit_labels.category_of("nothing") == ""
    assert audit_labels.action_label("new.code.unknown") == "new.code.unknown"     # falls back to the code
    assert set(audit_labels.UNDOTTED) <= set(audit_labels.ACTIONS)
    assert all(cat in audit_labels.CATEGORIES for cat in audit_labels.UNDOTTED.values())
