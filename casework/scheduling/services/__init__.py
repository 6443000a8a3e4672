"""Every write of scheduling: booking (``booking``), availability (``availability``) and
private calendar feeds (``feeds``)."""
