# SPDX-License-Identifier: BSD-2-Clause-Patent
"""How the package is put together: each subcommand module registers its own parser and
handler, nothing reaches back into cli.py, exit statuses come from exitcodes.py, and one Target
stands for a QEMU we start and a console we attach to alike."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from monadic import MonadicError, Target, TargetSpec, exitcodes
from monadic.cli import build_parser, main
from monadic.commands import MODULES

from .fakeboard import HANG, FakeBoard

PACKAGE = Path(__file__).resolve().parents[2] / "host-tools" / "monadic"


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the top-level parser has no subcommands")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against the package."""
    package = ["monadic", *path.parent.relative_to(PACKAGE).parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_each_subcommand_module_owns_its_parser_and_handler() -> None:
    subs = subparsers(build_parser())
    assert len(subs) == len(MODULES)
    for name, parser in subs.items():
        func = parser.get_default("func")
        assert callable(func), f"{name} sets no handler"
        module = func.__module__
        assert module.startswith("monadic.commands."), f"{name}'s handler lives in {module}"
        assert name.replace("-", "_") == module.rsplit(".", 1)[1]


def test_nothing_imports_the_command_line() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        assert "monadic.cli" not in imported_modules(path), f"{path} imports monadic.cli"


def test_exit_statuses_are_named() -> None:
    """Handlers return exitcodes' names or what run_suite() decided, never a bare number."""
    for path in [PACKAGE / "cli.py", *(PACKAGE / "commands").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant):
                raise AssertionError(f"{path}:{node.lineno} returns {node.value.value!r}")


def test_every_help_ends_with_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ["", *subparsers(build_parser())]:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"] if name else ["--help"])
        assert exc.value.code == exitcodes.EXIT_OK
        out = capsys.readouterr().out
        assert "exit status:" in out and f"{exitcodes.EXIT_INTERRUPTED}  interrupted" in out, name
        status = out[out.index("exit status:") :]
        # Only the commands that run shell commands can end with status 1.
        speaks_to_shell = name in ("", "run", "bench")
        assert (f"\n  {exitcodes.EXIT_COMMAND_ERROR}  " in status) == speaks_to_shell, name


def healthy(target: Target) -> bool:
    """Read afresh each time (mypy would otherwise take an asserted property as settled)."""
    return target.healthy


def test_an_attached_target() -> None:
    with FakeBoard({"version": "monadic-hypervisor 1.2.3", "hang": HANG}) as board:
        with Target.open(TargetSpec(attach=board.address, boot_timeout=5.0)) as target:
            assert not target.started_qemu
            with pytest.raises(MonadicError, match="attached to, not started here"):
                _ = target.qemu
            assert target.describe() == {
                "kind": "attached",
                "url": f"socket://{board.address}",
                "attach": board.address,
            }
            assert healthy(target) and target.recover()
            with pytest.raises(MonadicError):
                target.shell.run("hang", timeout=0.5)
            assert not healthy(target)
            assert target.recover()  # Ctrl-C brings the prompt back
            assert target.shell.run("version") == "monadic-hypervisor 1.2.3"
        assert not healthy(target)  # closed with the context


def test_an_attached_target_that_went_away() -> None:
    with FakeBoard({"version": "monadic-hypervisor 1.2.3"}) as board:
        target = Target.open(TargetSpec(attach=board.address, boot_timeout=5.0))
    target.shell.close()
    assert not target.recover()
