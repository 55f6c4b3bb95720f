# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The site model: defaults, derived facts, every preflight problem, and agreement with the argument spec."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils import sites

ROLE = Path(__file__).resolve().parents[4] / "roles" / "nginx_auth"
USERS = [{"name": "alice", "password": "alice-lab-password"}, {"name": "bob", "password": "bob-lab-password"}]
TOKEN = "sk-lab-aiguard-demo-key"
STUDIO = {
    "name": "studio",
    "server_names": ["studio.lab.test"],
    "default_server": True,
    "upstream": "127.0.0.1:7860",
    "client_max_body_size": "1m",
}
API = {
    "name": "apiproxy",
    "server_names": ["api.lab.test"],
    "upstream": "127.0.0.1:3002",
    "users": ["alice"],
    "api_paths": ["/v1/", "/mj/"],
    "api_tokens": [TOKEN],
    "public_locations": ["/health"],
}


def site(**keys):
    return {"name": "studio", "upstream": "127.0.0.1:7860", **keys}


def api(**keys):
    return site(**{"name": "api", "upstream": "127.0.0.1:3002", "api_paths": ["/v1/"], "api_tokens": [TOKEN], **keys})


def argument_spec():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]


# ------------------------------------------------------------------ the model


def test_defaults_are_filled_in():
    model = sites.build([site()], users=USERS).as_dict()
    assert model["sites"] == [
        {
            "name": "studio",
            "server_names": ["_"],
            "listen": [80],
            "default_server": False,
            "upstream": "127.0.0.1:7860",
            "auth": "basic",
            "users": [],
            "api_paths": [],
            "api_auth": "bearer",
            "api_tokens": [],
            "public_locations": [],
            "upload_paths": ["/upload", "/gradio_api/upload"],
            "client_max_body_size": "100m",
            "rate_limits": {},
            "sub_path": "/",
            "bot_filter": True,
            "bot_policy": "private",
            "bot_libraries_with_auth": False,
            "directives": [],
            "tls": False,
            "tls_listen": [443],
        }
    ]
    assert model["users"] == [
        {"name": "alice", "password": "alice-lab-password", "state": "present"},
        {"name": "bob", "password": "bob-lab-password", "state": "present"},
    ]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, {"studio": "1m", "apiproxy": "100m"}),
        ({"client_max_body_size": "200m"}, {"studio": "1m", "apiproxy": "200m"}),
        ({"client_max_body_size": None}, {"studio": "1m", "apiproxy": "100m"}),
    ],
)
def test_client_max_body_size_per_site(settings, expected):
    # What upload_guard reads: the site's own limit, or the role-wide one.
    assert sites.build([STUDIO, API], users=USERS, **settings).as_dict()["client_max_body_size"] == expected


def test_role_defaults_fill_upload_paths():
    model = sites.build([site(), site(name="b", upload_paths=["/files"])], upload_paths=["/up"]).as_dict()
    assert [s["upload_paths"] for s in model["sites"]] == [["/up"], ["/files"]]


def test_derived_facts_of_the_lab_sites():
    model = sites.build([STUDIO, API], users=USERS).as_dict()
    assert model["names"] == ["studio", "apiproxy"]
    assert model["upstream_ports"] == [3002, 7860]
    assert model["tls_sites"] == [] and model["tls_domains"] == {}
    assert model["bot_filter_on"] is True
    assert [s["name"] for s in model["bearer_sites"]] == ["apiproxy"]
    assert model["allowed_users"] == {"studio": ["alice", "bob"], "apiproxy": ["alice"]}
    assert [(f["site"], [user["name"] for user in f["users"]]) for f in model["password_files"]] == [
        ("studio", ["alice", "bob"]),
        ("apiproxy", ["alice"]),
    ]
    assert model["sites_without_tokens"] == ["studio"]
    assert model["present_users"] == ["alice", "bob"]
    assert model["bot_filter_exempt"] == ["/robots.txt", "/health"]
    assert model["bot_filter_reserved"] == [
        "/",
        "/upload",
        "/gradio_api/upload",
        "/",
        "/v1/",
        "/mj/",
        "/upload",
        "/gradio_api/upload",
    ]
    assert model["generated_files"] == [
        "bot-filter.conf",
        "bot-filter-server-private.conf",
        "bot-filter-location.conf",
        "tokens-apiproxy.conf",
        "sites/studio.conf",
        "sites/apiproxy.conf",
    ]


def test_secrets_are_only_where_documented():
    # sites and bearer_sites hold the tokens, users and password_files the passwords: no_log tasks only.
    model = sites.build([STUDIO, API], users=USERS).as_dict()
    assert model["sites"][1]["api_tokens"] == [TOKEN] and model["bearer_sites"][0]["api_tokens"] == [TOKEN]
    assert all("api_tokens" not in s for s in model["sites_shown"])
    shown = repr({k: v for k, v in model.items() if k not in ("sites", "bearer_sites", "users", "password_files")})
    assert TOKEN not in shown and "lab-password" not in shown


@pytest.mark.parametrize(
    ("auth", "users", "allowed"),
    [("basic", [], ["alice", "bob"]), ("basic", ["bob"], ["bob"]), ("none", [], [])],
)
def test_allowed_users(auth, users, allowed):
    extra = [{"name": "old", "state": "absent"}]
    model = sites.build([site(auth=auth, users=users)], users=USERS + extra).as_dict()
    assert model["allowed_users"] == {"studio": allowed}


@pytest.mark.parametrize(
    ("sites_in", "settings", "tls_sites", "tls_domains"),
    [
        ([site(tls=True, server_names=["a.example.org", "_"])], {}, ["studio"], {"studio": ["a.example.org"]}),
        ([site(tls=True)], {}, ["studio"], {"studio": []}),
        ([site(), site(name="b", tls=True, server_names=["b.example"])], {}, ["b"], {"b": ["b.example"]}),
    ],
)
def test_tls_sites_and_domains(sites_in, settings, tls_sites, tls_domains):
    model = sites.build(sites_in, **settings).as_dict()
    assert model["tls_sites"] == tls_sites and model["tls_domains"] == tls_domains


@pytest.mark.parametrize(
    ("sites_in", "settings", "on"),
    [
        ([site()], {}, True),
        ([site()], {"bot_filter": False}, False),
        ([site(bot_filter=False)], {}, False),
        ([site(bot_filter=False), site(name="b")], {}, True),
        ([], {}, False),
    ],
)
def test_bot_filter_on(sites_in, settings, on):
    assert sites.build(sites_in, **settings).as_dict()["bot_filter_on"] is on


def test_bot_filter_paths_with_acme_and_sub_path():
    model = sites.build(
        [site(sub_path="/app/", public_locations=["/health", "/pub/"], api_paths=["/v1/"], upload_paths=["/up"])],
        acme_webroot="/var/www/aiguard-acme",
    ).as_dict()
    assert model["bot_filter_exempt"] == ["/robots.txt", sites.ACME_PATH, "/app/health", "/app/pub/"]
    assert model["bot_filter_reserved"] == [sites.ACME_PATH, "/app/", "/app/v1/", "/app/up", "/app/pub/"]


def test_rate_limits_merge_site_overrides():
    limits = sites.build([site(rate_limits={"api": {"rate": "1r/s"}})]).as_dict()["rate_limits"]["studio"]
    assert limits == {
        "general": {"rate": "20r/s", "burst": 40},
        "api": {"rate": "1r/s", "burst": 10},
        "upload": {"rate": "2r/s", "burst": 4},
        "token": {"rate": "120r/m", "burst": 30},
    }


def test_values_are_converted_as_the_argument_spec_does():
    model = sites.build([site(listen=["8080"], tls="yes", name=7)]).as_dict()
    assert model["sites"][0]["listen"] == [8080] and model["sites"][0]["tls"] is True
    assert model["names"] == ["7"]


@pytest.mark.parametrize(
    ("sites_in", "message"),
    [
        ([site(), site()], "every site needs a unique name"),
        ([site(name="Studio!")], "'Studio!' is not a valid site name"),
        ([{"upstream": "127.0.0.1:1"}], "missing required arguments: name"),
        ([site(listen="eighty")], "listen"),
        ([site(upstream="127.0.0.1")], "upstream is HOST:PORT"),
        ([site(colour="blue")], "unknown key(s) colour"),
        ("studio", "nginx_auth_sites must be a list"),
    ],
)
def test_input_without_a_model_fails(sites_in, message):
    with pytest.raises(sites.SiteError) as error:
        sites.build(sites_in)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("names", "clash"),
    [
        (["my-app", "my_app"], (1, "my_app", 0, "my-app", "my_app")),
        (["a-_b", "studio", "a_-b"], (2, "a_-b", 0, "a-_b", "a__b")),
        (["api", "api-"], None),
        (["my-app", "myapp", "my-app2"], None),
    ],
)
def test_names_that_become_the_same_nginx_identifier(names, clash):
    """nginx variable names have no '-': the site's identifier writes it '_', so two names must not meet there."""
    given = [api(name=name) for name in names]
    if clash is None:
        identifiers = sites.build(given, users=USERS).as_dict()["identifiers"]
        assert list(identifiers) == names and len(set(identifiers.values())) == len(names)
        assert all(re.fullmatch(r"[a-z0-9_]+", ident) for ident in identifiers.values())
        return
    index, name, other_index, other, ident = clash
    expected = (
        f"nginx_auth_sites[{index}].name: {name!r} and nginx_auth_sites[{other_index}].name {other!r} become the same "
        f"nginx identifier {ident!r} ('-' is written '_' in nginx variable names), so one site's bearer tokens would "
        "open the other's API; rename one so that the names differ in more than '-' and '_'"
    )
    with pytest.raises(sites.SiteError) as error:
        sites.build(given, users=USERS)
    assert expected in str(error.value)
    assert problems(given) == [expected]


def test_model_failure_never_shows_a_token():
    with pytest.raises(sites.SiteError) as error:
        sites.build([site(auth="leak-check-token-0001", api_tokens=["leak-check-token-0001"])])
    assert "leak-check" not in str(error.value)


def test_unknown_setting_is_a_programming_error():
    with pytest.raises(TypeError, match="unknown setting"):
        sites.build([], client_max_body=1)


# ------------------------------------------------------------------ the preflight's problems


def problems(sites_in, **settings):
    return sites.problems(sites_in, **{"users": USERS, **settings})


def test_the_lab_sites_have_no_problem():
    assert (
        problems([STUDIO, API], tls_protocols=["TLSv1.2", "TLSv1.3"], tls_ciphers=["ECDHE-RSA-AES128-GCM-SHA256"]) == []
    )


# Each case: sites, other settings, the exact problems. The three the
# nginx_auth scenario used to feed through a converge come first.
@pytest.mark.parametrize(
    ("sites_in", "settings", "expected"),
    [
        pytest.param(
            [site(upstream="127.0.0.1")],
            {},
            [
                "nginx_auth_sites[studio].upstream: got '127.0.0.1'; the upstream is HOST:PORT with a port 1-65535, "
                "such as 127.0.0.1:7860 or [::1]:7860"
            ],
            id="upstream-without-port",
        ),
        pytest.param(
            [site(name="Studio!")],
            {},
            [
                "nginx_auth_sites[0].name: 'Studio!' is not a valid site name; every site needs a unique name of "
                "lower case letters, digits, '-' or '_' (at most 32 characters)"
            ],
            id="bad-name",
        ),
        pytest.param(
            [site(name="api", upstream="127.0.0.1:3002", api_paths=["/v1/"], api_tokens=["leak-check!"])],
            {},
            [
                "nginx_auth_sites[api].api_tokens[0]: every token must be 16 to 256 characters of A-Za-z0-9._~+/=- "
                "(generate one with: openssl rand -hex 32); the token is not shown"
            ],
            id="bad-token",
        ),
        pytest.param(
            [site(name="Studio!", client_max_body_size="50 m")],
            {},
            [
                "nginx_auth_sites[0].name: 'Studio!' is not a valid site name; every site needs a unique name of "
                "lower case letters, digits, '-' or '_' (at most 32 characters)",
                "nginx_auth_sites[0].client_max_body_size: '50 m' is not an nginx size; use a number of bytes with "
                "k, m or g, such as 50m",
            ],
            id="bad-name-and-more",
        ),
        pytest.param(
            [site(), site(upstream="127.0.0.1:7861")],
            {},
            [
                "nginx_auth_sites[1].name: 'studio' is also the name of nginx_auth_sites[0]; every site needs a "
                "unique name"
            ],
            id="duplicate-name",
        ),
        pytest.param(
            [site(upstream="127.0.0.1:70000")],
            {},
            [
                "nginx_auth_sites[studio].upstream: got '127.0.0.1:70000'; the upstream is HOST:PORT with a port "
                "1-65535, such as 127.0.0.1:7860 or [::1]:7860"
            ],
            id="upstream-port-range",
        ),
        pytest.param([site(upstream="[::1]:7860")], {}, [], id="ipv6-upstream"),
        pytest.param(
            [site(listen=[80, 0, 65536])],
            {},
            ["nginx_auth_sites[studio].listen: [0, 65536] are not ports; ports are 1-65535"],
            id="listen-range",
        ),
        pytest.param(
            [site(sub_path="/app")],
            {},
            ["nginx_auth_sites[studio].sub_path: got '/app'; a sub_path starts and ends with '/', such as /studio/"],
            id="sub-path",
        ),
        pytest.param(
            [site(api_paths=["v1/"], api_auth="basic", public_locations=["/ok", "/a b"], upload_paths=["/up?x"])],
            {},
            [
                "nginx_auth_sites[studio].api_paths[0]: got 'v1/'; paths are absolute URL paths of "
                "A-Za-z0-9._~/- such as /v1/",
                "nginx_auth_sites[studio].public_locations[1]: got '/a b'; paths are absolute URL paths of "
                "A-Za-z0-9._~/- such as /v1/",
                "nginx_auth_sites[studio].upload_paths[0]: got '/up?x'; paths are absolute URL paths of "
                "A-Za-z0-9._~/- such as /v1/",
            ],
            id="url-paths",
        ),
        pytest.param(
            [site(client_max_body_size="50 MB")],
            {},
            [
                "nginx_auth_sites[studio].client_max_body_size: '50 MB' is not an nginx size; use a number of "
                "bytes with k, m or g, such as 50m"
            ],
            id="site-size",
        ),
        pytest.param([site(client_max_body_size="0")], {}, [], id="size-zero-is-no-limit"),
        pytest.param(
            [site()],
            {"client_max_body_size": "1.5g"},
            [
                "nginx_auth_client_max_body_size: '1.5g' is not an nginx size; use a number of bytes with k, m or g, "
                "such as 50m"
            ],
            id="global-size-reported-once",
        ),
        pytest.param(
            [site()],
            {"upload_paths": ["upload"]},
            ["nginx_auth_upload_paths[0]: got 'upload'; paths are absolute URL paths of A-Za-z0-9._~/- such as /v1/"],
            id="global-upload-paths",
        ),
        pytest.param(
            [site(api_paths=["/v1/"])],
            {},
            [
                "nginx_auth_sites[studio].api_tokens: a site with api_paths and api_auth bearer needs at least one "
                "token (generate one with: openssl rand -hex 32), or set api_auth: basic"
            ],
            id="bearer-without-tokens",
        ),
        pytest.param([site(api_paths=["/v1/"], api_auth="basic")], {}, [], id="basic-api-needs-no-token"),
        pytest.param(
            [site(users=["alice", "carol"])],
            {},
            [
                "nginx_auth_sites[studio].users: ['carol'] are not present users of nginx_auth_users; list only "
                "names of present users"
            ],
            id="unknown-user",
        ),
        pytest.param(
            [site()],
            {"users": [{"name": "alice", "state": "absent"}]},
            [
                "nginx_auth_sites[studio].auth: basic auth needs at least one present user in nginx_auth_users; add "
                "one, or set auth: none for a site that is public on purpose"
            ],
            id="basic-without-users",
        ),
        pytest.param([site(auth="none")], {"users": []}, [], id="public-site-needs-no-user"),
        pytest.param(
            [site(directives=["proxy_buffering off;", "location / { }", "gzip on"])],
            {},
            [
                "nginx_auth_sites[studio].directives[1]: got 'location / { }'; a directive is a single nginx "
                "directive ending in ';' without braces",
                "nginx_auth_sites[studio].directives[2]: got 'gzip on'; a directive is a single nginx directive "
                "ending in ';' without braces",
            ],
            id="directives",
        ),
        pytest.param(
            [site(tls_listen=[])],
            {},
            ["nginx_auth_sites[studio].tls_listen: needs at least one port (the first is the redirect target)"],
            id="tls-listen-empty",
        ),
        pytest.param(
            [site(tls_listen=[99999])],
            {},
            ["nginx_auth_sites[studio].tls_listen: [99999] are not ports; ports are 1-65535"],
            id="tls-listen-range",
        ),
        pytest.param(
            [site(tls=True, listen=[80, 443])],
            {},
            [
                "nginx_auth_sites[studio].tls_listen: [443] are also in listen; with tls, the listen ports redirect "
                "to the tls_listen ports, so they must differ"
            ],
            id="tls-port-overlap",
        ),
        pytest.param([site(listen=[80, 443])], {}, [], id="overlap-without-tls"),
        pytest.param(
            [site(rate_limits={"api": {"rate": "fast"}, "burst": 3})],
            {},
            [
                "nginx_auth_sites[studio].rate_limits: ['burst'] are not kinds of rate limit; the kinds are general, "
                "api, upload, token",
                "nginx_auth_sites[studio].rate_limits.api.rate: got 'fast'; a rate is like '10r/s' or '30r/m'",
            ],
            id="site-rate-limits",
        ),
        pytest.param(
            [site()],
            {"rate_limits": {"general": {"rate": "10r/s", "burst": -1}, "api": {"rate": "5r/m", "burst": 1}}},
            [
                "nginx_auth_rate_limits: ['upload'] missing; each of general, api, upload needs a rate and a burst",
                "nginx_auth_rate_limits.general.burst: got -1; a burst is a whole number, 0 or more",
            ],
            id="role-rate-limits",
        ),
        pytest.param(
            [site()],
            {
                "users": [
                    {"name": "al ice", "password": "alice-lab-password"},
                    {"name": "bob"},
                    {"name": "bob", "password": "bob-lab-password"},
                ]
            },
            [
                "nginx_auth_users[0].name: got 'al ice'; user names have no ':' or spaces",
                "nginx_auth_users[1].password: the present user 'bob' needs a password (keep it in Ansible Vault)",
                "nginx_auth_users[2].name: 'bob' is listed twice; names must be unique",
            ],
            id="users",
        ),
        pytest.param(
            [site()],
            {"users": [{"name": "alice", "password": "alice-lab-password"}, {"name": "old", "state": "absent"}]},
            [],
            id="absent-user-needs-no-password",
        ),
        pytest.param(
            [site()],
            {
                "users": [
                    {"name": "alice", "password": "Passw0rd!"},
                    {"name": "old", "password": "x", "state": "absent"},
                ]
            },
            [
                "nginx_auth_users[0].password: the password of 'alice' is too easy to guess from a stolen password "
                "file (about 53 bits, the policy nginx_auth_password_min_bits asks 64); use a longer or generated "
                "one, e.g. `openssl rand -base64 18`"
            ],
            id="password-policy",
        ),
        pytest.param(
            [site()],
            {"users": [{"name": "alice", "password": "Passw0rd!"}], "password_min_bits": 40},
            [],
            id="password-policy-lowered",
        ),
        pytest.param(
            [site()],
            {"password_min_bits": "many", "hash_rounds": 100},
            [
                "nginx_auth_password_min_bits: got 'many'; a whole number of bits, 64 unless you know better",
                "nginx_auth_hash_rounds: got 100; SHA-512 crypt takes 1000 to 999999999 rounds, and nginx pays them "
                "on every request (1000: under a millisecond)",
            ],
            id="hashing-settings",
        ),
        pytest.param(
            [site()],
            {"tls_protocols": ["TLSv1.1", "TLSv1.2"], "tls_ciphers": ["ECDHE-RSA-AES128-GCM-SHA256:RC4"]},
            [
                "nginx_auth_tls_protocols: got ['TLSv1.1', 'TLSv1.2']; use TLSv1.2 and/or TLSv1.3 (older versions "
                "are broken)",
                "nginx_auth_tls_ciphers: got ['ECDHE-RSA-AES128-GCM-SHA256:RC4']; use OpenSSL cipher names such as "
                "ECDHE-ECDSA-AES128-GCM-SHA256",
            ],
            id="tls-policy",
        ),
        pytest.param(
            [site()],
            {"tls_protocols": [], "tls_ciphers": []},
            [
                "nginx_auth_tls_protocols: got []; use TLSv1.2 and/or TLSv1.3 (older versions are broken)",
                "nginx_auth_tls_ciphers: got []; use OpenSSL cipher names such as ECDHE-ECDSA-AES128-GCM-SHA256",
            ],
            id="tls-policy-empty",
        ),
        pytest.param(
            [site(auth="maybe"), "studio"],
            {},
            [
                "nginx_auth_sites[studio]: value of auth must be one of: basic, none, got: maybe",
                "nginx_auth_sites[1] must be a dict of the keys in the role's README, not str",
            ],
            id="argument-spec-errors",
        ),
    ],
)
def test_problems(sites_in, settings, expected):
    assert problems(sites_in, **settings) == expected


SAME = "nginx takes one location a path, so list it in one place only"
BUILT_IN = "nginx takes one location a path and the role writes that one; remove this path or choose another"
API_UNDER_UPLOAD = (
    "nginx gives requests under it to the longer, API location, so uploads there would lose the upload rate limit "
    "and streaming; put the upload path under the API path instead (an upload path under an API path takes the "
    "API's auth and keeps the upload's rules), or rename one so that neither starts with the other"
)


# Overlapping paths: which are errors (the same location twice; an API path
# under an upload path) and which are fine (every other nesting: nginx takes
# the longest prefix, and there the longer path is the stricter or the
# explicit exception). Each case: the site, other settings, the problems.
@pytest.mark.parametrize(
    ("site_in", "settings", "expected"),
    [
        pytest.param(api(upload_paths=["/v1/files"]), {}, [], id="upload-under-api"),
        pytest.param(api(api_paths=["/gradio_api/"]), {}, [], id="default-upload-under-api"),
        pytest.param(api(api_paths=["/v1/", "/v1/admin/"]), {}, [], id="api-under-api"),
        pytest.param(api(upload_paths=["/up", "/up/big"]), {}, [], id="upload-under-upload"),
        pytest.param(api(public_locations=["/v1/health", "/v1/docs/"]), {}, [], id="public-under-api"),
        pytest.param(api(public_locations=["/docs/"], api_paths=["/docs/api/"]), {}, [], id="api-under-public"),
        pytest.param(api(public_locations=["/upload/health"]), {}, [], id="public-under-upload"),
        pytest.param(api(public_locations=["/robots.txt"], sub_path="/app/"), {}, [], id="robots-under-sub-path"),
        pytest.param(
            api(upload_paths=["/v1/"]),
            {},
            [f"nginx_auth_sites[api].upload_paths[0]: '/v1/' is also nginx_auth_sites[api].api_paths[0]; {SAME}"],
            id="upload-is-api",
        ),
        pytest.param(
            api(api_paths=["/v1/", "/v1/"]),
            {},
            [f"nginx_auth_sites[api].api_paths[1]: '/v1/' is also nginx_auth_sites[api].api_paths[0]; {SAME}"],
            id="api-twice",
        ),
        pytest.param(
            site(public_locations=["/gradio_api/upload"]),
            {},
            [
                "nginx_auth_sites[studio].upload_paths[1] (from nginx_auth_upload_paths[1]): "
                f"'/gradio_api/upload' is also nginx_auth_sites[studio].public_locations[0]; {SAME}"
            ],
            id="public-is-inherited-upload",
        ),
        pytest.param(
            site(public_locations=["/robots.txt", "/.well-known/acme-challenge/"]),
            {"acme_webroot": "/var/www/acme"},
            [
                "nginx_auth_sites[studio].public_locations[0]: '/robots.txt' is also the robots.txt location, which "
                f"the role writes; {BUILT_IN}",
                "nginx_auth_sites[studio].public_locations[1]: '/.well-known/acme-challenge/' is also the ACME "
                f"challenge location (nginx_auth_acme_webroot is set), which the role writes; {BUILT_IN}",
            ],
            id="built-in-locations",
        ),
        pytest.param(
            api(api_paths=["/"], sub_path="/app/"),
            {},
            [
                "nginx_auth_sites[api].api_paths[0]: '/' is also the site's own location (sub_path '/app/'), which "
                f"the role writes; {BUILT_IN}"
            ],
            id="api-is-the-site",
        ),
        pytest.param(
            api(api_paths=["/upload/v1/"]),
            {},
            [
                "nginx_auth_sites[api].api_paths[0]: '/upload/v1/' lies under the upload path '/upload' of "
                f"nginx_auth_sites[api].upload_paths[0] (from nginx_auth_upload_paths[0]); {API_UNDER_UPLOAD}"
            ],
            id="api-under-upload",
        ),
        pytest.param(
            api(api_paths=["/upload_api/"], upload_paths=["/upload"]),
            {},
            [
                "nginx_auth_sites[api].api_paths[0]: '/upload_api/' lies under the upload path '/upload' of "
                f"nginx_auth_sites[api].upload_paths[0]; {API_UNDER_UPLOAD}"
            ],
            id="api-under-upload-string-prefix",
        ),
    ],
)
def test_overlapping_paths(site_in, settings, expected):
    assert problems([site_in], **settings) == expected


@pytest.mark.parametrize(
    "bad",
    [
        site(name="api", upstream="127.0.0.1:3002", api_paths=["/v1/"], api_tokens=["leak-check!"]),
        site(api_tokens=["leak-check-token-0001"], auth="leak-check-token-0001"),
        site(api_tokens="leak-check!"),
        site(api_tokens=[{"leak-check": "leak-check!"}]),
    ],
)
def test_problems_never_show_a_token(bad):
    found = problems([bad])
    assert found and not any("leak-check" in problem for problem in found), found


# ------------------------------------------------------------------ one source of the defaults


def _comparable(option):
    keys = ("type", "elements", "default", "choices", "required", "no_log")
    out = {key: option[key] for key in keys if key in option}
    if not out.get("required"):
        out.pop("required", None)
    if not out.get("no_log"):
        out.pop("no_log", None)
    return out


@pytest.mark.parametrize("entry_point", ["main", "reconfigure"])
@pytest.mark.parametrize(
    ("variable", "model"), [("nginx_auth_sites", sites.SITE_OPTIONS), ("nginx_auth_users", sites.USER_OPTIONS)]
)
def test_argument_spec_suboptions_match_the_model(entry_point, variable, model):
    spec = argument_spec()[entry_point]["options"][variable]["options"]
    assert {name: _comparable(option) for name, option in spec.items()} == {
        name: _comparable(option) for name, option in model.items()
    }


@pytest.mark.parametrize("entry_point", ["main", "reconfigure"])
@pytest.mark.parametrize("setting", sorted(sites.MODEL_OPTIONS))
def test_role_defaults_match_the_model(entry_point, setting):
    variable = f"nginx_auth_{setting}"
    spec = argument_spec()[entry_point]["options"][variable]
    option = sites.MODEL_OPTIONS[setting]
    assert (spec["type"], spec.get("elements"), spec["default"]) == (
        option["type"],
        option.get("elements"),
        option["default"],
    )
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults[variable] == option["default"]


def test_role_constants_match_the_model():
    constants = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
    assert constants["__nginx_auth_acme_path"] == sites.ACME_PATH
