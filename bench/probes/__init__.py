"""Small programs the benchmark runs in their own process, against one database each."""
