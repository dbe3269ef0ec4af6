"""50 coordinators reading and reporting at once (`make loadtest`).

Each simulated user signs in with its own account, reads the item list, item pages and
histories, and submits status reports on a small set of shared items, so reports collide and
the optimistic version check is exercised. Every report the server accepted is written to the
ledger (LOADTEST_LEDGER) for verify.py, which looks for each of them in the database.
"""

import itertools
import json
import os
import random
import re
import uuid

from locust import HttpUser, between, events, task

PASSWORD = os.environ["LOADTEST_PASSWORD"]
READ_IDS = [int(i) for i in os.environ["LOADTEST_READ_IDS"].split(",")]
UPDATE_IDS = [int(i) for i in os.environ["LOADTEST_UPDATE_IDS"].split(",")]
STALE_MARK = "after you opened the form"
VERSION = re.compile(r'name="version" value="(\d+)"')
NUMBERS = itertools.count(1)
LEDGER: list[dict] = []


class Coordinator(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.username = f"load{next(NUMBERS):02d}"
        # English, as chosen with the language switcher (the stale-form message is matched).
        self.client.cookies.set("django_language", "en")
        self.client.get("/accounts/login/", name="/accounts/login/")
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, **self.csrf()},
            allow_redirects=False,
            catch_response=True,
            name="/accounts/login/ (POST)",
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused: {response.status_code}")

    def csrf(self) -> dict:
        return {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}

    @task(3)
    def item_list(self):
        self.client.get(f"/items/?page={random.choice([1, 2])}", name="/items/")

    @task(4)
    def item_detail(self):
        self.client.get(f"/items/{random.choice(READ_IDS)}/", name="/items/[id]/")

    @task(1)
    def item_history(self):
        self.client.get(f"/items/{random.choice(READ_IDS)}/history/", name="/items/[id]/history/")

    @task(3)
    def report(self):
        item = random.choice(UPDATE_IDS)
        url = f"/items/{item}/update/"
        form = self.client.get(url, name="/items/[id]/update/")
        match = VERSION.search(form.text)
        if match is None:
            return
        token = f"{self.username}-{uuid.uuid4().hex[:12]}"
        data = {
            "status": "in_progress",
            "health": random.choice(["on_track", "at_risk"]),
            "progress": random.randint(1, 99),
            "narrative": f"进展 {token}",
            "risks": "",
            "next_steps": "",
            "version": match.group(1),
            **self.csrf(),
        }
        with self.client.post(
            url, data, allow_redirects=False, catch_response=True, name="/items/[id]/update/ (POST)"
        ) as response:
            if response.status_code == 302:
                LEDGER.append({"item": item, "token": token, "progress": data["progress"]})
            elif response.status_code == 200 and STALE_MARK in response.text:
                LEDGER.append({"item": item, "token": token, "stale": True})
                response.success()  # refused on purpose: someone reported first
            else:
                response.failure(f"report not accepted: {response.status_code}")


@events.quitting.add_listener
def _write_ledger(environment, **kwargs):
    with open(os.environ["LOADTEST_LEDGER"], "w", encoding="utf-8") as out:
        json.dump(LEDGER, out, ensure_ascii=False)
