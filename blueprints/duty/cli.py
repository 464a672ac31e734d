from pathlib import Path

import click
from flask.cli import AppGroup

from core.directory.importer import ImportFileError
from core.duty.importer import import_file
from extensions import db

duty_cli = AppGroup("duty", help="근무표 (Duty rosters).")


@duty_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """CSV 또는 XLSX 근무표 파일을 가져옵니다 (Import FILE; re-import updates in place)."""
    try:
        report = import_file(db.session, file.read_bytes(), file.name)
    except ImportFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {exc} (아무것도 바꾸지 않았습니다)") from exc
    db.session.commit()
    click.echo(f"{file.name}: 추가 {report.added}, 수정 {report.updated}, 변경 없음 {report.unchanged}, "
               f"거부 {len(report.rejected)}")
    for rejection in report.rejected:
        click.echo(f"  {rejection.row}행 {rejection.name}: {rejection.reason}")
