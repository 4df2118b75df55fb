"""Letters, confirmations, innsyn export and retention purge.

Personal data leaves the vault only through a file the user names with ``--out``:
written owner-only, never over an existing file without ``--force``, with a notice on
stderr that it holds personal data (DESIGN §1). Without ``--out`` the letter goes to
the terminal.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rusenhet import files
from rusenhet.cli.cases import MeetingOpt, ReferralArg, case_text, open_for_cases
from rusenhet.cli.common import H, app_context, confirm_cautions, example, new_app
from rusenhet.cli.context import AppContext
from rusenhet.errors import InputError

OutOpt = Annotated[Path | None, typer.Option("--out", help=H("help.opt.out_personal"))]
ForceOpt = Annotated[bool, typer.Option("--force", help=H("help.opt.force"))]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=H("help.opt.yes"))]


class LetterFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    PDF = "pdf"


class ConfirmFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    PDF = "pdf"


class ExportFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


def deliver(a: AppContext, text: str | bytes, out: Path | None, force: bool) -> None:
    if out is None:
        assert isinstance(text, str)  # noqa: S101 - a PDF always has --out (checked first)
        a.out.print(text, end="", markup=False, highlight=False, soft_wrap=True)
        return
    files.write_out(out, text.encode("utf-8") if isinstance(text, str) else text,
                    force=force, vault=a.vault_path)
    a.warn(a.t("letter.personal_data_written", path=str(out)))


def _check_out(a: AppContext, out: Path | None, force: bool, pdf: bool) -> None:
    """Before anything is logged or recorded: a PDF needs --out, and --out a file it may
    write (never the vault, its lock or a special file; a new one without --force)."""
    if pdf and out is None:
        raise InputError("letter.pdf_needs_out")
    if out is not None:
        files.check_out_path(out, force=force, vault=a.vault_path)


letter_app = new_app("help.letter_group")
confirm_app = new_app("help.confirm_group")
person_app = new_app("help.person_group")


@letter_app.command("invite", help=H("help.letter.invite"), epilog=example("letter_invite"))
def invite(ctx: typer.Context, referral: ReferralArg, meeting: MeetingOpt = None,
           out: OutOpt = None, fmt: Annotated[LetterFormat, typer.Option(
               "--format", "-f", help=H("help.opt.letter_format"))] = LetterFormat.TEXT,
           force: ForceOpt = False, yes: YesOpt = False) -> None:
    from rusenhet import letter_text, letters, meeting_pick, referrals

    a = app_context(ctx)
    _check_out(a, out, force, fmt is LetterFormat.PDF)
    vault = open_for_cases(a)
    p = meeting_pick.pick(vault, referral, meeting, meeting_pick.BOOKED,
                          "meeting.pick.none_booked")
    r = referrals.fetch(vault, p.referral)
    if p.meeting.at is not None and p.meeting.at.date() > r.deadline:
        confirm_cautions(a, [("letter.invite.after_deadline",
                              {"when": p.meeting.at, "deadline": r.deadline})], yes)
    inv = letters.invitation(vault, p.meeting.id, p.number)
    # Say whom the letter is about, so that a wrong number is seen before it is sent.
    a.info(a.t("letter.about", case=case_text(a, p.referral, inv.name, p.number, p.count)))
    blocks = letter_text.invitation_blocks(inv, a.lang)
    if fmt is LetterFormat.PDF:
        from rusenhet.letter_pdf import to_pdf

        deliver(a, to_pdf(blocks, a.t("letter.invite.title")), out, force)
        return
    deliver(a, letter_text.as_text(blocks, fmt is LetterFormat.MARKDOWN), out, force)


@confirm_app.command("issue", help=H("help.confirm.issue"), epilog=example("confirm_issue"))
def issue(ctx: typer.Context, referral: ReferralArg,
          out: OutOpt = None, fmt: Annotated[ConfirmFormat, typer.Option(
              "--format", "-f", help=H("help.opt.confirm_format"))] = ConfirmFormat.TEXT,
          sign: Annotated[bool, typer.Option("--sign", help=H("help.opt.sign"))] = False,
          force: ForceOpt = False) -> None:
    from rusenhet import letter_text, letters

    a = app_context(ctx)
    _check_out(a, out, force, fmt is ConfirmFormat.PDF)
    if sign and fmt is ConfirmFormat.PDF:
        raise InputError("letter.pdf_not_signed")
    vault = open_for_cases(a)
    c = letters.confirmation(vault, referral)
    a.info(a.t("letter.about", case=case_text(a, c.referral_number, c.name)))
    if fmt is ConfirmFormat.PDF:
        from rusenhet.letter_pdf import to_pdf

        deliver(a, to_pdf(letter_text.confirmation_blocks(c, a.lang),
                          a.t("letter.confirm.title")), out, force)
        return
    text = letter_text.render_confirmation(c, a.lang, fmt.value)
    if sign:
        text = letters.sign_document(vault, text)
    deliver(a, text, out, force)


@confirm_app.command("verify", help=H("help.confirm.verify"))
def verify(ctx: typer.Context, file: Annotated[Path, typer.Argument(metavar="FILE")],
           key: Annotated[Path | None, typer.Option("--key", help=H("help.opt.public_key"))]
           = None) -> None:
    from rusenhet import letters

    a = app_context(ctx)
    text = files.read_text(file)
    if key is not None:
        public = letters.public_key_from_pem(files.read_text(key, limit=files.KEY_LIMIT))
    else:
        public = letters.unit_public_key(a.open_vault())
    letters.verify_text(text, public)
    a.say(a.t("letter.signature_ok", fingerprint=letters.key_fingerprint(public)))


@person_app.command("export", help=H("help.person.export"))
def export(ctx: typer.Context,
           query: Annotated[str, typer.Argument(metavar="ID_NUMBER_OR_REFERRAL_ID")],
           out: Annotated[Path, typer.Option("--out", help=H("help.opt.out_personal"))],
           fmt: Annotated[ExportFormat, typer.Option(
               "--format", "-f", help=H("help.opt.export_format"))] = ExportFormat.MARKDOWN,
           force: ForceOpt = False) -> None:
    from rusenhet import innsyn

    a = app_context(ctx)
    vault = a.open_vault()
    _check_out(a, out, force, pdf=False)  # before the export is logged
    data = innsyn.export(vault, query)
    if fmt is ExportFormat.JSON:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    else:
        from rusenhet import clock, innsyn_document

        text = innsyn_document.render(data, a.lang, clock.today(vault))
    deliver(a, text, out, force)


def purge(ctx: typer.Context, dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=H("help.opt.dry_run"))] = False) -> None:
    from rusenhet import retention

    a = app_context(ctx)
    vault = a.open_vault()
    plan = retention.plan(vault) if dry_run else retention.purge(vault)
    key = "retention.would_purge" if dry_run else "retention.purged"
    a.say(a.t(key, referrals=len(plan.referrals), people=plan.people, meetings=plan.meetings,
              cutoff=plan.cutoff))


def register(root: typer.Typer) -> None:
    root.add_typer(letter_app, name="letter", help=H("help.letter_group"))
    root.add_typer(confirm_app, name="confirm", help=H("help.confirm_group"))
    root.add_typer(person_app, name="person", help=H("help.person_group"))
    root.command("purge", help=H("help.purge"))(purge)
