"""What a run shares between measurements: options, databases, servers, signed-in sessions."""

from dataclasses import dataclass, field

from .accounts import ADMIN, PASSWORD
from .client import Session
from .server import Server


@dataclass
class Settings:
    items: int
    seed: int
    quick: bool
    reps: int  # repetitions of a page timing
    heavy_reps: int  # repetitions of an expensive timing (exports, dashboard at scale)
    warmup: int
    reminders: int  # due reminders per dispatch run
    sqlite: bool

    @property
    def big(self) -> int:
        return self.items * 10

    @property
    def query_sizes(self) -> list[int]:
        return sorted({s for s in (100, 1_000, 10_000) if s < self.items} | {self.items})


@dataclass
class Context:
    settings: Settings
    env: dict  # the environment every project process gets (secret, hosts, static root...)
    urls: dict  # main, big, scratch, sqlite, sizes={n: url}
    log: callable
    results: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    servers: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def server(self, name: str, *, database: str | None = None, env: dict | None = None) -> Server:
        """The server ``name``: on the database of that name unless ``database`` names
        another, with ``env`` added to the environment."""
        if name not in self.servers:
            database = database or name
            self.log(f"  starting gunicorn {name} on the {database} database")
            server = Server(name, self.urls[database], {**self.env, **(env or {})})
            self.servers[name] = server.start()
        return self.servers[name]

    def session(self, server: str, username: str = ADMIN) -> Session:
        key = (server, username)
        if key not in self.sessions:
            session = self.server(server).session()
            session.login(username, PASSWORD)
            self.sessions[key] = session
        return self.sessions[key]

    def stop_server(self, name: str) -> None:
        for key in [k for k in self.sessions if k[0] == name]:
            self.sessions.pop(key).close()
        if name in self.servers:
            self.servers.pop(name).stop()

    def stop_all(self) -> None:
        for name in list(self.servers):
            self.stop_server(name)
