from pathlib import Path

import click
from flask.cli import AppGroup

from core.directory.importer import ImportFileError
from core.duty.importer import import_file
from web.cli_import import run_import

duty_cli = AppGroup("duty", help="근무표 (Duty rosters).")


@duty_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """CSV 또는 XLSX 근무표 파일을 가져옵니다 (Import FILE; re-import updates in place)."""
    run_import(import_file, file, ImportFileError)
