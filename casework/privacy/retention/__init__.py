"""Retention: how long each kind of data is kept, per jurisdiction (``rules``, from the
reviewed file ``privacy/data/retention.toml``), what each kind is and how it is removed
(``classes``, registered by the app that owns the data), and the daily task that applies the
rules and reports (``applying``)."""
