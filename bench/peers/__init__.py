"""Peers the benchmark compares with, installed and served on loopback at bench time."""
