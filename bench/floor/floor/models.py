from django.db import models


class Item(models.Model):
    """One row found by an indexed column, the floor's one query."""

    key = models.CharField(max_length=40, unique=True)
    label = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.key
