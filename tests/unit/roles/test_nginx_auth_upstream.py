# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nginx_auth's templates, rendered: what each location sends on to the app."""

from __future__ import annotations

import pytest
from nginx_auth_render import TOKEN, locations, map_value, maps, render, upstream_headers

PROXY_CONF = render("proxy.conf.j2", [])["proxy.conf.j2"]


def site(**keys):
    return {"name": "app", "upstream": "127.0.0.1:7860", **keys}


def upstream_of(given, location):
    body = locations(render("site.conf.j2", [given])[given["name"]])[location]
    return upstream_headers(body, PROXY_CONF)


def follow(variable, value):
    """The value of an nginx variable that maps, through http.conf's maps, from the client's header ``value``."""
    found = maps(render("http.conf.j2", [site()])["http.conf.j2"])
    chain = []
    while variable in found:
        chain.append(variable)
        variable, _entries = found[variable]
    result = value
    for name in reversed(chain):
        result = map_value(found[name][1], result)
    return result


# The Upgrade header: a websocket upgrade (Gradio, realtime APIs) goes
# through; any other protocol, such as h2c, does not, since an app that
# switched the connection to it would take every later request on it
# without nginx's checks.
@pytest.mark.parametrize(
    ("client", "upgrade", "connection"),
    [
        ("websocket", "websocket", "upgrade"),
        ("WebSocket", "websocket", "upgrade"),
        ("h2c", "", ""),
        ("websocket, h2c", "", ""),
        ("h2c, websocket", "", ""),
        ("TLS/1.2", "", ""),
        ("", "", ""),
    ],
)
def test_only_a_websocket_upgrade_reaches_the_app(client, upgrade, connection):
    headers = upstream_of(site(), ("", "/"))
    assert follow(headers["Upgrade"], client) == upgrade
    assert follow(headers["Connection"], client) == connection


# X-Forwarded-For and X-Real-IP are the address nginx saw, whatever the
# client sent: an app that reads the first X-Forwarded-For entry cannot be
# given another one.
@pytest.mark.parametrize("location", [("", "/"), ("^~", "/upload"), ("=", "/health")])
def test_the_app_sees_the_client_address_nginx_saw(location):
    headers = upstream_of(site(public_locations=["/health"]), location)
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["X-Forwarded-For"] == "$remote_addr"


# The Authorization header towards the app: cleared where nginx checked
# basic auth and on public locations (a browser sends the site's basic auth
# to every path of it); the bearer token goes on to an API; a site without
# nginx auth leaves the header to the app's own login.
@pytest.mark.parametrize(
    ("given", "location", "authorization"),
    [
        (site(), ("", "/"), ""),
        (site(), ("^~", "/upload"), ""),
        (site(public_locations=["/health"]), ("=", "/health"), ""),
        (site(public_locations=["/assets/"]), ("^~", "/assets/"), ""),
        (site(auth="none", public_locations=["/health"]), ("=", "/health"), ""),
        (site(api_paths=["/v1/"], api_tokens=[TOKEN]), ("^~", "/v1/"), None),
        (site(api_paths=["/v1/"], api_tokens=[TOKEN], upload_paths=["/v1/files"]), ("^~", "/v1/files"), None),
        (site(api_paths=["/v1/"], api_auth="basic"), ("^~", "/v1/"), ""),
        (site(auth="none"), ("", "/"), None),
        (site(auth="none"), ("^~", "/upload"), None),
    ],
    ids=[
        "basic-site",
        "basic-upload",
        "public-exact",
        "public-prefix",
        "public-on-open-site",
        "bearer-api",
        "bearer-upload",
        "basic-api",
        "open-site",
        "open-upload",
    ],
)
def test_which_locations_clear_the_authorization_header(given, location, authorization):
    assert upstream_of(given, location).get("Authorization") == authorization
