from pathlib import Path

import click
from flask.cli import AppGroup

from core.menu.importer import MenuFileError, import_file
from web.cli_import import run_import

menu_cli = AppGroup("menu", help="구내식당 식단 (Cafeteria menus).")


@menu_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """CSV(UTF-8/CP949) 또는 XLSX 식단 파일을 가져옵니다 (Import FILE; a meal already stored is replaced)."""
    run_import(import_file, file, MenuFileError)
