"""Every write of care, by subject: ``cases``, ``consents``, ``check_ins``, ``notes``,
``referrals`` and ``emergency`` (break-glass)."""
