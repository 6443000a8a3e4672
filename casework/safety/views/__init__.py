"""Pages of safety: reporting (``reports``), the moderators' area (``moderation``), decisions and
appeals for the people affected (``decisions``) and the public figures (``transparency``)."""
