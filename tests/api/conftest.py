import pytest
from rest_framework.test import APIClient

from cooperation.api.tokens import api_token_create
from tests.workflow.conftest import loop  # noqa: F401 (fixture)


@pytest.fixture
def tokens(workspace):
    """One API token per workspace role (made by the service the profile page calls)."""
    return {
        role: api_token_create(user=user, name=f"{role} test")[1]
        for role, user in workspace["users"].items()
    }


@pytest.fixture
def api_as(tokens):
    """``api_as(role)``: an API client signed with that role's token (none for anonymous)."""

    def make(role: str, **headers) -> APIClient:
        client = APIClient(**headers)
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
        return client

    return make


@pytest.fixture
def loop_api(loop):  # noqa: F811 (the fixture above)
    """``loop_api(role, **headers)``: an API client signed with that loop role's token."""
    tokens = {role: api_token_create(user=user, name=role)[1] for role, user in loop.users.items()}

    def make(role: str, **headers) -> APIClient:
        client = APIClient(**headers)
        if role != "anonymous":
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
        return client

    return make
