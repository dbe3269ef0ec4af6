"""Supervision (督查督办): deadline lights, three-colour supervision slips, the scorecard."""
