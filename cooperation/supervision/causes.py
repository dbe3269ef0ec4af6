def workflow_candidates(*, today):
    return []
