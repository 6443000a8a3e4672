from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Fictional demo data for the embedded machine (`manage.py seed_demo`)."""

    name = "casework.demo"
    verbose_name = "Demo data"
