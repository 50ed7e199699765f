"""WHO GETS HURT: the time-stepped crash engine and its channels."""
