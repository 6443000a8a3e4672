"""Every write of the community app: articles (``articles``) and comments (``comments``)."""
