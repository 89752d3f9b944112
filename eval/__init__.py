"""The question sets the team steers by, and the runner that scores the assistant on them."""
