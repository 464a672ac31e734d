from pathlib import Path

import click
from flask.cli import AppGroup

from core.directory.importer import ImportFileError, import_file
from web.cli_import import run_import

directory_cli = AppGroup("directory", help="연락처 관리 (Staff directory).")


@directory_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """CSV(UTF-8/CP949) 또는 XLSX 연락처 파일을 가져옵니다 (Import FILE; re-import updates in place)."""
    run_import(import_file, file, ImportFileError)
