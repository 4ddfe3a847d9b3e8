"""A member's data in their own hands: everything stored about them as a file, or forgotten."""
