"""The floor project's manage.py: `migrate` and `seed` (a thousand rows to look up)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if sys.argv[1:] == ["seed"]:
        from django.apps import apps

        item = apps.get_model("floor", "Item")
        item.objects.all().delete()
        item.objects.bulk_create(item(key=f"item-{n}", label=f"Item {n}") for n in range(1000))
