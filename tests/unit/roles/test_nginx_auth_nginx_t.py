# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nginx_auth's templates, rendered as the role writes them, pass ``nginx -t``.

Skipped where there is no nginx binary; Debian's nginx or nginx-light has
every module the templates use (auth_request included).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from nginx_auth_render import TOKEN, render

from ansible_collections.aiguard.hardening.plugins.module_utils import botfilter, botfilter_render

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
pytestmark = pytest.mark.skipif(NGINX is None, reason="no nginx binary here (apt-get install nginx-light to run it)")

SITES = [
    {"name": "studio", "upstream": "127.0.0.1:7860", "default_server": True, "public_locations": ["/health"]},
    {
        "name": "my-api",
        "upstream": "127.0.0.1:3002",
        "server_names": ["api.lab.test"],
        "auth": "none",
        "api_paths": ["/v1/", "/mj/"],
        "upload_paths": ["/v1/files"],
        "api_tokens": [TOKEN, "second-token"],
        "public_locations": ["/v1/health", "/static/"],
        "bot_policy": "public",
    },
    {
        "name": "sub",
        "upstream": "127.0.0.1:8188",
        "server_names": ["sub.lab.test"],
        "sub_path": "/app/",
        "bot_libraries_with_auth": True,
        "api_paths": ["/api/"],
        "api_auth": "basic",
    },
]


def write(tmp_path, bot_filter, json_log=""):
    """The role's files for SITES below ``tmp_path/active``, and an nginx.conf that includes them."""
    active = tmp_path / "active"
    (active / "sites").mkdir(parents=True)
    role_vars = {
        "__nginx_auth_active": str(active),
        "nginx_auth_bot_filter": bot_filter,
        "nginx_auth_access_log_json": json_log,
    }
    for name in ("http", "headers", "headers-public", "proxy", "tls"):
        (active / f"{name}.conf").write_text(render(f"{name}.conf.j2", SITES, **role_vars)[f"{name}.conf.j2"])
    for name, text in render("tokens.conf.j2", SITES, **role_vars).items():
        (active / f"tokens-{name}.conf").write_text(text)
    for name, text in render("site.conf.j2", SITES, **role_vars).items():
        (active / "sites" / f"{name}.conf").write_text(text)
    if bot_filter:
        filters = [botfilter.build(policy=policy) for policy in ("private", "public")]
        (active / "bot-filter.conf").write_text(botfilter_render.render_http(filters[0]))
        for flt in filters:
            (active / f"bot-filter-server-{flt.policy}.conf").write_text(
                botfilter_render.render_server(flt, return_on_drop=False)
            )
        (active / "bot-filter-location.conf").write_text(botfilter_render.render_snippet(filters[0]))
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {active}/http*.conf;\n}}\n"
    )
    return conf


@pytest.mark.parametrize("json_log", [False, True], ids=["", "json-log"])
@pytest.mark.parametrize("bot_filter", [True, False], ids=["bot-filter", "no-bot-filter"])
def test_nginx_accepts_the_rendered_config(tmp_path, bot_filter, json_log):
    conf = write(tmp_path, bot_filter, str(tmp_path / "access.json") if json_log else "")
    done = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
