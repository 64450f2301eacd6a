"""``fast-genai integrations rekey``: re-encrypt users' stored credentials after a key rotation."""

from __future__ import annotations

import typer

from cli import exit_codes

app = typer.Typer(
    rich_markup_mode=None,
    help="Users' integration credentials on the server.",
    no_args_is_help=True,
)


@app.command("rekey")
def rekey() -> None:
    """Re-encrypt every stored credential with the current secret key.

    Rotate the secret: set the new FAST_GENAI_SECRET_KEY, list the old one in
    FAST_GENAI_PREVIOUS_SECRET_KEYS, run this, then drop the old key."""
    import asyncio

    from cli import render
    from web.integrations.rekey import rekey_database
    from web.migrate import upgrade
    from web.settings import WebSettings

    settings = WebSettings()
    upgrade(settings.database_url)
    report = asyncio.run(rekey_database(settings))
    render.out.print(
        f"re-encrypted {report.rekeyed} stored credential(s) with the current key", markup=False
    )
    if report.undecryptable:
        for what in report.undecryptable:
            render.error(f"cannot decrypt the {what} with any configured key (left as it is)")
        render.err.print(
            "add the key they were stored with to FAST_GENAI_PREVIOUS_SECRET_KEYS and run "
            "this again, or have those users store their credentials again",
            markup=False,
        )
        raise typer.Exit(exit_codes.TOOL_ERROR)
