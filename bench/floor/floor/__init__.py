"""The floor: a bare Django project that the page benchmark serves beside Casework."""
