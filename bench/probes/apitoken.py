"""A personal API token for the benchmark's admin, made by the service the profile page
calls: ``python -m bench.probes.apitoken`` prints the token (DATABASE_URL: the main one)."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from bench.accounts import ADMIN
    from cooperation.api.tokens import api_token_create

    user = get_user_model().objects.get(username=ADMIN)
    _token, raw = api_token_create(user=user, name="bench api_list")
    print(raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
