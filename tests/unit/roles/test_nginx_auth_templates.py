# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nginx_auth's templates, rendered: which location checks what."""

from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError
from nginx_auth_render import TOKEN, auth_of, locations, render


def api_site(**keys):
    return {"name": "api", "upstream": "127.0.0.1:3002", "api_paths": ["/v1/"], "api_tokens": [TOKEN], **keys}


# Each case: the site, the location (modifier, path), how it must authenticate.
@pytest.mark.parametrize(
    ("site", "location", "auth"),
    [
        # An upload path under an API path is an upload of the API: the
        # API's token (or basic auth), whatever the site's own auth is.
        (api_site(upload_paths=["/v1/files"]), ("^~", "/v1/files"), "bearer"),
        (api_site(upload_paths=["/v1/files"], auth="none"), ("^~", "/v1/files"), "bearer"),
        (api_site(upload_paths=["/v1/files"], auth="none", api_auth="basic"), ("^~", "/v1/files"), "basic"),
        (api_site(upload_paths=["/v1"], api_paths=["/v"]), ("^~", "/v1"), "bearer"),  # nginx's prefixes are strings
        (api_site(upload_paths=["/v1/files"], sub_path="/app/"), ("^~", "/app/v1/files"), "bearer"),
        (api_site(api_paths=["/gradio_api/"]), ("^~", "/gradio_api/upload"), "bearer"),
        # Elsewhere an upload path has the site's auth.
        (api_site(api_paths=["/gradio_api/"]), ("^~", "/upload"), "basic"),
        (api_site(api_paths=["/gradio_api/"], auth="none"), ("^~", "/upload"), "none"),
        (api_site(upload_paths=["/v1files"]), ("^~", "/v1files"), "basic"),
        # The API paths and the rest, as before.
        (api_site(upload_paths=["/v1/files"]), ("^~", "/v1/"), "bearer"),
        (api_site(upload_paths=["/v1/files"]), ("", "/"), "basic"),
        (api_site(public_locations=["/v1/health"]), ("=", "/v1/health"), "none"),
    ],
    ids=[
        "upload-under-api",
        "upload-under-api-public-site",
        "upload-under-basic-api",
        "upload-under-api-string-prefix",
        "upload-under-api-sub-path",
        "gradio-upload-under-gradio-api",
        "upload-beside-api",
        "upload-beside-api-public-site",
        "upload-not-under-api",
        "api",
        "site",
        "public-under-api",
    ],
)
def test_how_each_location_authenticates(site, location, auth):
    found = locations(render("site.conf.j2", [site])[site["name"]])
    assert auth_of(found[location]) == auth, found[location]


def test_an_upload_under_an_api_path_keeps_the_upload_rules():
    body = locations(render("site.conf.j2", [api_site(upload_paths=["/v1/files"])])["api"])[("^~", "/v1/files")]
    assert "limit_req zone=aiguard_api_upload burst=4 nodelay;" in body
    assert "proxy_request_buffering off;" in body
    assert "error_page 401 = @aiguard_api_api_401;" in body


@pytest.mark.parametrize(
    ("names", "refused"),
    [(("my-app", "myapp", "my-app2"), False), (("my-app", "my_app"), True)],
    ids=["apart", "clash"],
)
def test_each_site_checks_its_own_tokens(names, refused):
    """The variable a site's API locations check is the one its tokens file maps, and no other site's."""
    given = [api_site(name=name) for name in names]
    if refused:
        # Both would map $aiguard_bearer_my_app, and nginx lets the last map win.
        with pytest.raises(AnsibleFilterError, match="become the same nginx identifier 'my_app'"):
            render("tokens.conf.j2", given)
        return
    tokens = render("tokens.conf.j2", given)
    servers = render("site.conf.j2", given)
    mapped = {}
    for name, text in tokens.items():
        [variable] = re.findall(r"^map \$http_authorization (\$\w+) \{$", text, re.M)
        mapped[name] = variable
    assert len(set(mapped.values())) == len(given)
    for name, text in servers.items():
        assert set(re.findall(r'if \((\$aiguard_bearer_\w+) = ""\)', text)) == {mapped[name]}


# nginx runs a location's rewrite directives (if, return) before limit_req
# (preaccess), and auth_basic and auth_request after it (access). A token
# check with if/return answered every wrong token before the rate limit.
@pytest.mark.parametrize(
    ("site", "location", "zone"),
    [
        (api_site(), ("^~", "/v1/"), "aiguard_api_api"),
        (api_site(upload_paths=["/v1/files"]), ("^~", "/v1/files"), "aiguard_api_upload"),
        (api_site(sub_path="/app/"), ("^~", "/app/v1/"), "aiguard_api_api"),
        (api_site(name="my-app", auth="none"), ("^~", "/v1/"), "aiguard_my-app_api"),
    ],
    ids=["api", "upload-under-api", "sub-path", "public-site"],
)
def test_a_wrong_bearer_token_is_rate_limited(site, location, zone):
    found = locations(render("site.conf.j2", [site])[site["name"]])
    body = found[location]
    assert re.search(rf"^limit_req zone={zone} burst=\d+ nodelay;$", body, re.M), body
    assert not re.search(r"^(if|return|rewrite|set) ", body, re.M), body
    [check] = re.findall(r"^auth_request (\S+);$", body, re.M)
    assert found[("=", check)].splitlines() == [
        "internal;",
        f'if ($aiguard_bearer_{site["name"].replace("-", "_")} = "") {{',
        "return 401;",
        "}",
        "return 204;",
    ]


@pytest.mark.parametrize("bot_filter", [True, False])
def test_the_json_access_log_never_records_credentials_or_the_query(bot_filter):
    sites = [{"name": "studio", "upstream": "127.0.0.1:7860"}]
    off = render("http.conf.j2", sites)["http.conf.j2"]
    assert "log_format" not in off
    assert "access_log" not in off
    text = render(
        "http.conf.j2",
        sites,
        nginx_auth_access_log_json="/var/log/nginx/aiguard-access.json",
        nginx_auth_bot_filter=bot_filter,
    )["http.conf.j2"]
    assert 'access_log "/var/log/nginx/aiguard-access.json" aiguard_json;' in text
    log_format = text[text.index("log_format") : text.index("access_log")]
    # The fields in order (fail2ban_jails' filters spell them out in this order).
    assert re.findall(r'"([a-z_]+)":', log_format) == [
        "time",
        "site",
        "host",
        "remote_addr",
        "remote_user",
        "token",
        "auth_sent",
        "method",
        "path",
        "status",
        "bytes_in",
        "content_length",
        "bytes_out",
        "request_time",
        "upstream_time",
        "user_agent",
        "drop",
    ]
    for secret in ("$http_authorization", "$request_uri", "$args", "$query_string", '$request"', "$request,"):
        assert secret not in log_format
    # The drop reason the filter set, not a map: logging it costs nothing.
    assert ("$aiguard_bot_drop" in log_format) is bot_filter


@pytest.mark.parametrize("json_log", [True, False])
def test_the_json_access_log_records_the_kind_of_credentials_and_the_token_key(json_log):
    sites = [
        {"name": "studio", "upstream": "127.0.0.1:7860", "tls": True},
        api_site(name="my-api", auth="none"),
    ]
    role_vars = {"nginx_auth_access_log_json": "/var/log/nginx/aiguard-access.json" if json_log else ""}
    http = render("http.conf.j2", sites, **role_vars)["http.conf.j2"]
    servers = render("site.conf.j2", sites, __nginx_auth_tls_ready=["studio"], **role_vars)
    if not json_log:
        assert "$aiguard_auth_sent" not in http and "$aiguard_token" not in http
        assert all("$aiguard_log_site" not in text for text in servers.values())
        return
    auth_map = re.search(r"^map \$http_authorization \$aiguard_auth_sent \{\n(.*?)^\}", http, re.M | re.S).group(1)
    assert [line.split() for line in auth_map.strip().splitlines()] == [
        ["default", "other;"],
        ['""', '"";'],
        ['"~*^Basic\\s"', "basic;"],
        ['"~*^Bearer\\s"', "bearer;"],
    ]
    token_map = re.search(r"^map \$aiguard_log_site \$aiguard_token \{\n(.*?)^\}", http, re.M | re.S).group(1)
    # Only the bearer site has token keys; the value is its tokens file's variable, never a token.
    assert [line.split() for line in token_map.strip().splitlines()] == [
        ["default", '"";'],
        ["my_api", "$aiguard_bearer_my_api;"],
    ]
    assert TOKEN not in http
    # Every server block of every site says which site it is (the plain-HTTP redirect one too).
    for name, text in servers.items():
        ident = name.replace("-", "_")
        assert text.count("server {") == text.count(f"set $aiguard_log_site {ident};") >= 1, name
    assert servers["studio"].count("server {") == 2
