from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.accounts import allauth_catalogue


class Command(BaseCommand):
    help = (
        "List the django-allauth messages Casework shows that its Spanish override catalogue "
        "does not translate yet, and the overrides allauth no longer needs (after an allauth "
        "upgrade). --update adds the new ones as fuzzy drafts and drops the stale ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Write the new entries (fuzzy, to translate) and drop the stale ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        catalogue = allauth_catalogue.overrides()
        if options["update"]:
            comparison = allauth_catalogue.update(catalogue)
            allauth_catalogue.OVERRIDES_PO.parent.mkdir(parents=True, exist_ok=True)
            catalogue.save(str(allauth_catalogue.OVERRIDES_PO))
        else:
            comparison = allauth_catalogue.compare(catalogue)
        for entry in comparison.missing:
            self.stdout.write(f"not translated yet: {entry.msgid!r}")
        for entry in comparison.stale:
            self.stdout.write(f"no longer in allauth: {entry.msgid!r}")
        where = allauth_catalogue.OVERRIDES_PO
        if options["update"] and comparison.missing:
            self.stdout.write(f"Translate the fuzzy entries of {where}, then: make messages")
        elif not options["update"] and (comparison.missing or comparison.stale):
            raise CommandError(f"{where} is behind django-allauth: run with --update")
        else:
            self.stdout.write(f"{where} covers every allauth message Casework shows.")
