"""Page views per page per day (P11), with no cookie, address, user or browser stored."""
