"""The agreement's own text: clauses, their sources and the items that implement them."""
