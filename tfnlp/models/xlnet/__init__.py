"""The XLNet family (registered in this module once complete)."""
