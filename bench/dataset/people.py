"""Organisations of both cities and their people: coordinators, supervisors, viewers."""

import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from simple_history.utils import bulk_create_with_history

from bench.accounts import ADMIN, CLIENTS, PASSWORD, client_username
from cooperation.choices import City, Role
from cooperation.models import Membership, Organization, Profile

from . import words

User = get_user_model()

ORGANIZATIONS = 200


@dataclass
class People:
    chengdu: list[Organization]
    yibin: list[Organization]
    coordinators: dict[int, list[User]] = field(default_factory=dict)  # by organisation id
    users: list[User] = field(default_factory=list)
    admin: User | None = None


def build(*, seed: int, actor) -> People:
    organizations = _organizations(seed, actor)
    people = People(
        chengdu=[o for o in organizations if o.city == City.CHENGDU],
        yibin=[o for o in organizations if o.city == City.YIBIN],
    )
    _accounts(people, organizations, seed, actor)
    return people


def _organizations(seed: int, actor) -> list[Organization]:
    existing = list(Organization.objects.order_by("pk"))
    new = []
    for index in range(ORGANIZATIONS - len(existing)):
        rng = random.Random(f"{seed}:org:{index}")
        city = City.CHENGDU if index % 2 == 0 else City.YIBIN
        district_zh, district_en = rng.choice(words.DISTRICTS[city])
        type_zh, type_en, kind = rng.choice(words.ORG_TYPES)
        city_zh, city_en = words.CITY_NAMES[city]
        number = index // 2 + 1
        new.append(
            Organization(
                code=f"bench-{city}-{number:03d}",
                name_zh=f"{city_zh}市{district_zh}{type_zh}（{number}）",
                name_en=f"{district_en} {type_en} ({city_en}, {number})",
                short_name_zh=f"{district_zh}{type_zh[:4]}{number}",
                city=city,
                kind=kind,
                source="generated for benchmarks",
            )
        )
    bulk_create_with_history(
        new, Organization, batch_size=500, default_user=actor, default_change_reason="Generated"
    )
    return list(Organization.objects.exclude(city=City.OTHER).order_by("pk"))


def _person_name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(words.SURNAMES), "".join(rng.choices(words.GIVEN, k=rng.randint(1, 2)))


def _accounts(people: People, organizations, seed: int, actor) -> None:
    password = make_password(PASSWORD, salt="benchsalt")
    plan: list[tuple[str, Organization, str, dict]] = []
    governments = {o.code: o for o in organizations if o.code in ("chengdu-gov", "yibin-gov")}
    gov_list = [governments["chengdu-gov"], governments["yibin-gov"]]
    plan.append((ADMIN, gov_list[0], Role.SUPERVISOR, {"is_staff": True, "is_superuser": True}))
    for index in range(1, CLIENTS + 1):
        plan.append((client_username(index), gov_list[index % 2], Role.SUPERVISOR, {}))
    plan.append(("bench-leader", gov_list[1], Role.VIEWER, {}))
    for org in organizations:
        rng = random.Random(f"{seed}:people:{org.code}")
        plan.append((f"bench-coord-{org.pk}-1", org, Role.COORDINATOR, {}))
        if rng.random() < 0.3:
            plan.append((f"bench-coord-{org.pk}-2", org, Role.COORDINATOR, {}))
        if rng.random() < 0.5:
            plan.append((f"bench-view-{org.pk}", org, Role.VIEWER, {}))
    users = []
    for username, _org, _role, extra in plan:
        rng = random.Random(f"{seed}:user:{username}")
        last, first = _person_name(rng)
        users.append(
            User(
                username=username,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@bench.invalid",
                **extra,
            )
        )
    users = User.objects.bulk_create(users, batch_size=500)
    Profile.objects.bulk_create(
        [
            Profile(
                user=u,
                calendar_token=f"bench-{random.Random(f'{seed}:tok:{u.username}').getrandbits(96):x}",
            )
            for u in users
        ],
        batch_size=500,
    )
    memberships = [
        Membership(
            user=user,
            organization=org,
            role=role,
            title="联络员" if role == Role.COORDINATOR else "",
        )
        for user, (_name, org, role, _extra) in zip(users, plan, strict=True)
    ]
    bulk_create_with_history(
        memberships,
        Membership,
        batch_size=500,
        default_user=actor,
        default_change_reason="Generated",
    )
    leader = next(u for u in users if u.username == "bench-leader")
    leader.user_permissions.add(Permission.objects.get(codename="view_reports"))
    for user, (_name, org, role, _extra) in zip(users, plan, strict=True):
        if role == Role.COORDINATOR:
            people.coordinators.setdefault(org.pk, []).append(user)
    people.users = users
    people.admin = users[0]
