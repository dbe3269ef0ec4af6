"""Issue 16: gunicorn is reached only through the nginx proxy, the app trusts forwarded
addresses from that proxy alone, the image runs as a non-root user, and every dependency is
installed from hash-pinned lock files."""

import re
import shutil
import subprocess
import tomllib

import yaml

from tests.services import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_is_published_and_the_app_trusts_only_it():
    """Before: web published 8000 on every interface, no proxy; AXES_PROXY_COUNT=1 trusted
    whatever stood one entry from the right."""
    services = compose()["services"]
    assert "ports" not in services["web"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy_address = services["proxy"]["networks"]["internal"]["ipv4_address"]
    env = services["web"]["environment"]
    assert env["CHENGYI_TRUSTED_PROXIES"] == proxy_address
    assert env["GUNICORN_FORWARDED_ALLOW_IPS"] == proxy_address
    assert "./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    assert "AXES_PROXY_COUNT" not in (ROOT / ".env.example").read_text()


def test_the_nginx_configuration_passes_nginx_t():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = ROOT / "deploy" / "nginx" / "nginx.conf"
    result = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = conf.read_text()
    assert "$proxy_add_x_forwarded_for" in text and "$logged_uri" in text


def test_the_image_runs_as_a_non_root_user_from_the_hashed_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "pip install -e" not in dockerfile


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+) \\", text, flags=re.MULTILINE))
    blocks = re.split(r"\n(?=\S)", text)
    for block in blocks:
        if "==" in block.split("\n")[0] and not block.startswith("#"):
            assert "--hash=sha256:" in block, f"{lock}: no hash for {block.splitlines()[0]}"
    return {re.sub(r"\[.*\]", "", name).lower().replace("_", "-"): v for name, v in pins.items()}


def test_the_lock_files_pin_every_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    app = _pins("requirements.lock")
    dev = _pins("requirements-dev.lock")
    for requirement in project["dependencies"]:
        name, version = re.sub(r"\[.*\]", "", requirement).split("==")
        assert app.get(name.lower().replace("_", "-")) == version, requirement
    for requirement in project["optional-dependencies"]["dev"]:
        name, version = requirement.split("==")
        assert dev.get(name.lower()) == version, requirement
    assert set(app.items()) <= set(dev.items())
    assert len(app) > len(project["dependencies"])  # transitive ones too
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements-dev.lock" in makefile
    assert "\nlock:" in makefile
