# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nginx_auth sites as data: their defaults, the facts derived from them, their problems.

Plain Python (no AnsibleModule) so that pytest tests it directly. This is the
one place where roles learn about the sites nginx_auth serves: nginx_auth
renders them, certbot_tls certifies the HTTPS ones, upload_guard reads each
site's effective ``client_max_body_size``. The filters in
``plugins/filter/sites.py`` are its interface to the roles.

The input is described twice, and the two must agree (a unit test compares
them): ``SITE_OPTIONS`` and ``USER_OPTIONS`` here, in argument-spec form, are
the source of the defaults and types; the suboptions of ``nginx_auth_sites``
and ``nginx_auth_users`` in ``roles/nginx_auth/meta/argument_specs.yml``
repeat them for Ansible's own entry-point validation and the README.
``MODEL_OPTIONS`` describes the role variables the model reads besides the
sites; its defaults are the role's defaults.

* ``build``: the sites and users with every default filled in (the site's
  ``upload_paths`` and ``client_max_body_size`` default to the role-wide
  values), and the derived facts (``Model``); raises ``SiteError`` when the
  input does not validate against the argument spec or a name is invalid or
  used twice (or twice as an nginx identifier, ``identifier``), because a
  model cannot be made of such input;
* ``problems``: every problem of the input, the argument spec's and the ones
  it cannot express, each naming the variable (``nginx_auth_sites[studio].upstream``)
  and the fix, the password policy (``basicauth``) included. Bearer tokens
  and passwords never appear in a message.
"""

from __future__ import annotations

import copy
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.aiguard.hardening.plugins.module_utils import basicauth
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.kinds import UploadScanError, parse_size

VAR = "nginx_auth_sites"
USERS_VAR = "nginx_auth_users"
RATE_LIMITS_VAR = "nginx_auth_rate_limits"
# Served without auth or bot filter when nginx_auth_acme_webroot is set (the
# role's __nginx_auth_acme_path names the same path).
ACME_PATH = "/.well-known/acme-challenge/"
ROBOTS = "/robots.txt"
# The catch-all server name: matches any name, certifies none.
CATCH_ALL = "_"
RATE_KINDS = ("general", "api", "upload", "token")
# Kinds the role's nginx_auth_rate_limits may leave out: the default fills them in.
RATE_OPTIONAL = {"token": {"rate": "120r/m", "burst": 30}}
BOT_POLICIES = ("private", "public")
TLS_PROTOCOLS = ("TLSv1.2", "TLSv1.3")
SECRET = "********"

# The keys of a site (nginx_auth_sites[]). upload_paths and client_max_body_size
# have no default of their own: the role-wide values fill them in.
SITE_OPTIONS = {
    "name": dict(type="str", required=True),
    "server_names": dict(type="list", elements="str", default=[CATCH_ALL]),
    "listen": dict(type="list", elements="int", default=[80]),
    "default_server": dict(type="bool", default=False),
    "upstream": dict(type="str", required=True),
    "auth": dict(type="str", choices=["basic", "none"], default="basic"),
    "users": dict(type="list", elements="str", default=[]),
    "api_paths": dict(type="list", elements="str", default=[]),
    "api_auth": dict(type="str", choices=["bearer", "basic"], default="bearer"),
    "api_tokens": dict(type="list", elements="str", default=[], no_log=True),
    "public_locations": dict(type="list", elements="str", default=[]),
    "upload_paths": dict(type="list", elements="str"),
    "client_max_body_size": dict(type="str"),
    "rate_limits": dict(type="dict", default={}),
    "sub_path": dict(type="str", default="/"),
    "bot_filter": dict(type="bool", default=True),
    "bot_policy": dict(type="str", choices=list(BOT_POLICIES), default="private"),
    "bot_libraries_with_auth": dict(type="bool", default=False),
    "directives": dict(type="list", elements="str", default=[]),
    "tls": dict(type="bool", default=False),
    "tls_listen": dict(type="list", elements="int", default=[443]),
}
# Keys of the site whose default is a role variable.
SITE_INHERITED = {"upload_paths": "upload_paths", "client_max_body_size": "client_max_body_size"}

# The keys of a basic-auth user (nginx_auth_users[]).
USER_OPTIONS = {
    "name": dict(type="str", required=True),
    "password": dict(type="str", no_log=True),
    "state": dict(type="str", choices=["present", "absent"], default="present"),
}

# The role variables the model reads besides nginx_auth_sites, named without
# the nginx_auth_ prefix; the defaults are the role's (defaults/main.yml).
MODEL_OPTIONS = {
    "users": dict(type="list", elements="dict", default=[]),
    "upload_paths": dict(type="list", elements="str", default=["/upload", "/gradio_api/upload"]),
    "client_max_body_size": dict(type="str", default="100m"),
    "rate_limits": dict(
        type="dict",
        default={
            "general": {"rate": "20r/s", "burst": 40},
            "api": {"rate": "5r/s", "burst": 10},
            "upload": {"rate": "2r/s", "burst": 4},
            "token": {"rate": "120r/m", "burst": 30},
        },
    ),
    "bot_filter": dict(type="bool", default=True),
    "acme_webroot": dict(type="str", default=""),
}

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9._~+/=-]{16,256}$")
RATE_RE = re.compile(r"^[0-9]+r/[sm]$")
UPSTREAM_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")
SUB_PATH_RE = re.compile(r"^/([A-Za-z0-9._~-]+/)*$")
URL_PATH_RE = re.compile(r"^/[A-Za-z0-9._~/-]*$")
DIRECTIVE_RE = re.compile(r"^[^{}]*;$")
USER_NAME_RE = re.compile(r"^[^:\s]+$")
CIPHER_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class SiteError(ValueError):
    """Input a model cannot be made of; the message lists every problem."""


def size_problem(label, value):
    """The problem of an nginx size (``50m``, ``512k``, ``1g``, bytes; ``0`` is no limit), or None.

    The syntax is the one of ``uploadscan.kinds.parse_size``, which the upload
    scanner reads the same sizes with.
    """
    if isinstance(value, str) and value:
        try:
            parse_size(value)
            return None
        except UploadScanError:
            pass
    return f"{label}: {value!r} is not an nginx size; use a number of bytes with k, m or g, such as 50m"


def _port_ok(port):
    return isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536


def _mask(message, secrets):
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            message = message.replace(secret, SECRET)
    return message


def _validate(options, params, label):
    """Apply an argument spec: (validated parameters, problems naming LABEL), secrets masked."""
    if not isinstance(params, dict):
        return None, [f"{label} must be a dict of the keys in the role's README, not {type(params).__name__}"]
    result = ArgumentSpecValidator(options).validate(params)
    secrets = set(result._no_log_values)
    for key, option in options.items():
        if option.get("no_log") and key in params:
            value = params[key]
            secrets.update(str(v) for v in (value if isinstance(value, list) else [value]) if v is not None)
    messages = []
    for message in result.error_messages:
        unsupported = re.match(r"^(.*)\. Supported parameters include: (.*)$", message)
        if unsupported:
            message = f"unknown key(s) {unsupported.group(1)}; the keys are {unsupported.group(2)}"
        messages.append(f"{label}: {_mask(message, secrets)}")
    return result.validated_parameters, messages


def _label(index, site):
    name = site.get("name") if isinstance(site, dict) else None
    if isinstance(name, str) and NAME_RE.match(name):
        return f"{VAR}[{name}]"
    return f"{VAR}[{index}]"


def _options(settings):
    """(MODEL_OPTIONS applied to the role variables given, problems); None means the role's default."""
    given = {key: value for key, value in (settings or {}).items() if value is not None}
    unknown = sorted(set(given) - set(MODEL_OPTIONS))
    if unknown:
        raise TypeError(f"unknown setting(s) of the site model: {', '.join(unknown)}")
    result = ArgumentSpecValidator(MODEL_OPTIONS).validate(given)
    errors = [f"nginx_auth role variables (names without nginx_auth_): {m}" for m in result.error_messages]
    return copy.deepcopy(result.validated_parameters), errors


def _sites(sites, settings):
    """(filled sites, {index: (label, inherited keys)} of those that match the spec, problems of the spec and names)."""
    if not isinstance(sites, list):
        return [], {}, [f"{VAR} must be a list of sites, not {type(sites).__name__}"]
    filled, valid, found, seen, identifiers = [], {}, [], {}, {}
    for index, raw in enumerate(sites):
        label = _label(index, raw)
        site, errors = _validate(SITE_OPTIONS, raw, label)
        if site is None:
            found += errors
            continue
        # A site that matches the spec gets the other checks too, even with a bad name.
        checkable = not errors
        name = site.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            errors.append(
                f"{VAR}[{index}].name: {name!r} is not a valid site name; every site needs a unique name of lower "
                "case letters, digits, '-' or '_' (at most 32 characters)"
            )
        elif name in seen:
            errors.append(
                f"{VAR}[{index}].name: {name!r} is also the name of {VAR}[{seen[name]}]; every site needs a unique name"
            )
        elif identifier(name) in identifiers:
            other = identifiers[identifier(name)]
            errors.append(
                f"{VAR}[{index}].name: {name!r} and {VAR}[{other}].name {sites[other]['name']!r} become the same nginx "
                f"identifier {identifier(name)!r} ('-' is written '_' in nginx variable names), so one site's bearer "
                "tokens would open the other's API; rename one so that the names differ in more than '-' and '_'"
            )
        else:
            seen[name] = index
            identifiers[identifier(name)] = index
        found += errors
        for key, setting in SITE_INHERITED.items():
            if site.get(key) is None:
                site[key] = copy.deepcopy(settings[setting])
        if site.get("rate_limits") is None:
            site["rate_limits"] = {}
        if checkable:
            valid[len(filled)] = (label, sorted(key for key in SITE_INHERITED if raw.get(key) is None))
        filled.append(site)
    return filled, valid, found


def _merge(base, override):
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _users(users):
    if not isinstance(users, list):
        return [], [f"{USERS_VAR} must be a list of users, not {type(users).__name__}"]
    filled, found = [], []
    for index, raw in enumerate(users):
        user, errors = _validate(USER_OPTIONS, raw, f"{USERS_VAR}[{index}]")
        found += errors
        if user is not None:
            if user.get("password") is None:
                user["password"] = ""
            filled.append(user)
    return filled, found


class Model:
    """The sites and users with every default filled in, and what the roles derive from them.

    ``as_dict()`` is what the site_model filter returns: see its keys there.
    """

    def __init__(self, sites, users, settings):
        self.sites = sites
        self.users = users
        self.settings = settings

    @property
    def present_users(self):
        return [user["name"] for user in self.users if user["state"] == "present"]

    @property
    def bot_filter_on(self):
        return bool(self.settings["bot_filter"]) and any(site["bot_filter"] for site in self.sites)

    def rate_limits(self, site):
        """The role's rate limits with the site's overrides merged in."""
        return _merge(_merge(RATE_OPTIONAL, self.settings["rate_limits"]), site["rate_limits"])

    def bot_filter_paths(self):
        """(exempt, reserved): paths the filter must not block, prefix locations it must not duplicate."""
        acme = [ACME_PATH] if self.settings["acme_webroot"] else []
        exempt, reserved = [ROBOTS, *acme], list(acme)
        for site in self.sites:
            if not site["bot_filter"]:
                continue
            sub = site["sub_path"].rstrip("/")
            exempt += [sub + path for path in site["public_locations"]]
            public_prefixes = [path for path in site["public_locations"] if path.endswith("/")]
            prefixes = site["api_paths"] + site["upload_paths"] + public_prefixes
            reserved += [site["sub_path"]] + [sub + path for path in prefixes]
        return exempt, reserved

    def allowed_users(self, site):
        """The present users allowed on a site: its own list, or all; none on a site without basic auth."""
        if site["auth"] != "basic":
            return []
        return [name for name in self.present_users if not site["users"] or name in site["users"]]

    def password_files(self):
        """[{site, users: [{name, password}]}]: what each site's htpasswd file holds (passwords: no_log only).

        Every site has one; a site without basic auth has an empty one, so a
        user is never left in the file of a site that no longer allows them.
        """
        passwords = {user["name"]: user["password"] for user in self.users if user["state"] == "present"}
        return [
            {
                "site": site["name"],
                "users": [{"name": name, "password": passwords[name]} for name in self.allowed_users(site)],
            }
            for site in self.sites
        ]

    def filtered(self, site):
        """Whether the bot filter applies to ``site``."""
        return self.bot_filter_on and site["bot_filter"]

    @property
    def bot_policies(self):
        """The policies of the filtered sites, in BOT_POLICIES order: one server include each."""
        used = {site["bot_policy"] for site in self.sites if self.filtered(site)}
        return [policy for policy in BOT_POLICIES if policy in used]

    def bot_passes(self, site):
        """Who passes the filter on ``site`` whatever the user agent: ``bearer`` (a valid API token), ``basic``
        (basic-auth credentials with an HTTP-library user agent, the site's switch); probe paths stay dropped."""
        if not self.filtered(site):
            return []
        passes = ["bearer"] if bearer_tokens_needed(site) else []
        if site["bot_libraries_with_auth"] and (site["auth"] == "basic" or site["api_auth"] == "basic"):
            passes.append("basic")
        return passes

    def generated_files(self):
        """The files of a buffer the sites need, relative to it (besides the shared parts)."""
        servers = [f"bot-filter-server-{policy}.conf" for policy in self.bot_policies]
        files = ["bot-filter.conf", *servers, "bot-filter-location.conf"] if self.bot_filter_on else []
        files += [f"tokens-{site['name']}.conf" for site in self.sites if bearer_tokens_needed(site)]
        files += [f"sites/{site['name']}.conf" for site in self.sites]
        return files

    def as_dict(self):
        exempt, reserved = self.bot_filter_paths()
        tls = [site for site in self.sites if site["tls"]]
        return {
            "sites": self.sites,
            "sites_shown": [{k: v for k, v in site.items() if k != "api_tokens"} for site in self.sites],
            "names": [site["name"] for site in self.sites],
            "identifiers": {site["name"]: identifier(site["name"]) for site in self.sites},
            "client_max_body_size": {site["name"]: site["client_max_body_size"] for site in self.sites},
            "rate_limits": {site["name"]: self.rate_limits(site) for site in self.sites},
            "tls_sites": [site["name"] for site in tls],
            "tls_domains": {site["name"]: domains(site) for site in tls},
            "upstream_ports": sorted({int(site["upstream"].rsplit(":", 1)[1]) for site in self.sites}),
            "bot_filter_on": self.bot_filter_on,
            "bot_policies": self.bot_policies,
            "bot_server_files": [f"bot-filter-server-{policy}.conf" for policy in self.bot_policies],
            "bot_passes": {site["name"]: self.bot_passes(site) for site in self.sites},
            "bot_basic_pass": any("basic" in self.bot_passes(site) for site in self.sites),
            "bot_filter_exempt": exempt,
            "bot_filter_reserved": reserved,
            "bearer_sites": [site for site in self.sites if bearer_tokens_needed(site)],
            "upload_auth": {site["name"]: upload_auth(site) for site in self.sites},
            "sites_without_tokens": [site["name"] for site in self.sites if not site["api_tokens"]],
            "users": self.users,
            "present_users": self.present_users,
            "allowed_users": {site["name"]: self.allowed_users(site) for site in self.sites},
            "password_files": self.password_files(),
            "generated_files": self.generated_files(),
        }


def identifier(name):
    """The site's name in nginx variable and named-location names (``$aiguard_bearer_NAME``): '-' written '_'.

    Site names are ``[a-z0-9][a-z0-9_-]*``; nginx variable names have no '-'.
    Two names that differ only there would share a variable, and nginx lets
    the last ``map`` of it win: the site model refuses them, so identifiers
    are unique.
    """
    return name.replace("-", "_")


def bearer_tokens_needed(site):
    """A site whose API paths take bearer tokens (it gets a tokens file)."""
    return bool(site["api_paths"]) and site["api_auth"] == "bearer"


def upload_auth(site):
    """``{upload path: auth of its location}``: ``bearer`` or ``basic`` under an API path, else the site's auth.

    nginx serves a request from the longest matching prefix location, so an
    upload location under an API path (``/v1/files`` under ``/v1/``) takes
    those requests from the API location: it must check what the API checks.
    Prefixes are strings to nginx, so ``/v1files`` is under ``/v1`` too.
    """
    return {
        path: site["api_auth"] if any(path.startswith(api) for api in site["api_paths"]) else site["auth"]
        for path in site["upload_paths"]
    }


def domains(site):
    """The DNS names of a site: its server names without the catch-all ``_``."""
    return [name for name in site["server_names"] if name != CATCH_ALL]


def build(sites, **settings):
    """The Model of nginx_auth_sites and the role variables in MODEL_OPTIONS (None: the role's default).

    Raises SiteError with every problem when a site does not validate against
    SITE_OPTIONS or a name is invalid or used twice: such input has no model.
    The checks the argument spec cannot express are ``problems``'s.
    """
    options, found = _options(settings)
    if found:
        raise SiteError("; ".join(found))
    filled, valid, found = _sites(sites, options)
    users, user_errors = _users(options["users"])
    found += user_errors
    # The upstream's port is a derived fact (upstream_ports).
    found += [p for p in (_upstream_problem(valid[i][0], site) for i, site in enumerate(filled) if i in valid) if p]
    if found:
        raise SiteError("; ".join(found))
    return Model(filled, users, options)


def _upstream_problem(label, site):
    match = UPSTREAM_RE.match(site["upstream"] or "")
    if match and 0 < int(match.group(2)) < 65536:
        return None
    return (
        f"{label}.upstream: got {site['upstream']!r}; the upstream is HOST:PORT with a port 1-65535, such as "
        "127.0.0.1:7860 or [::1]:7860"
    )


def _ports_problems(label, ports):
    bad = [port for port in ports if not _port_ok(port)]
    return [f"{label}: {bad} are not ports; ports are 1-65535"] if bad else []


def _path_problems(label, paths):
    return [
        f"{label}[{index}]: got {path!r}; paths are absolute URL paths of A-Za-z0-9._~/- such as /v1/"
        for index, path in enumerate(paths)
        if not URL_PATH_RE.match(path)
    ]


def site_problems(label, inherited, site, present_users):
    """The problems of one filled site that the argument spec cannot express.

    INHERITED names the keys filled in from role variables: their problems are
    the role variable's, reported once by ``problems``.
    """
    found = []
    upstream = _upstream_problem(label, site)
    if upstream:
        found.append(upstream)
    found += _ports_problems(f"{label}.listen", site["listen"])
    if not SUB_PATH_RE.match(site["sub_path"]):
        found.append(
            f"{label}.sub_path: got {site['sub_path']!r}; a sub_path starts and ends with '/', such as /studio/"
        )
    for key in ("api_paths", "public_locations", "upload_paths"):
        if key not in inherited:
            found += _path_problems(f"{label}.{key}", site[key])
    size = size_problem(f"{label}.client_max_body_size", site["client_max_body_size"])
    if size and "client_max_body_size" not in inherited:
        found.append(size)
    if bearer_tokens_needed(site) and not site["api_tokens"]:
        found.append(
            f"{label}.api_tokens: a site with api_paths and api_auth bearer needs at least one token "
            "(generate one with: openssl rand -hex 32), or set api_auth: basic"
        )
    for index, token in enumerate(site["api_tokens"]):
        if not TOKEN_RE.match(token):
            found.append(
                f"{label}.api_tokens[{index}]: every token must be 16 to 256 characters of A-Za-z0-9._~+/=- "
                "(generate one with: openssl rand -hex 32); the token is not shown"
            )
    unknown = [user for user in site["users"] if user not in present_users]
    if unknown:
        found.append(f"{label}.users: {unknown} are not present users of {USERS_VAR}; list only names of present users")
    if site["auth"] == "basic" and not present_users:
        found.append(
            f"{label}.auth: basic auth needs at least one present user in {USERS_VAR}; add one, or set auth: none "
            "for a site that is public on purpose"
        )
    for index, directive in enumerate(site["directives"]):
        if not DIRECTIVE_RE.match(directive):
            found.append(
                f"{label}.directives[{index}]: got {directive!r}; a directive is a single nginx directive ending "
                "in ';' without braces"
            )
    if not site["tls_listen"]:
        found.append(f"{label}.tls_listen: needs at least one port (the first is the redirect target)")
    found += _ports_problems(f"{label}.tls_listen", site["tls_listen"])
    both = sorted(set(site["tls_listen"]) & set(site["listen"]))
    if site["tls"] and both:
        found.append(
            f"{label}.tls_listen: {both} are also in listen; with tls, the listen ports redirect to the tls_listen "
            "ports, so they must differ"
        )
    found += rate_limit_problems(f"{label}.rate_limits", site["rate_limits"], complete=False)
    return found


_SAME = "nginx takes one location a path, so list it in one place only"
_BUILT_IN = "nginx takes one location a path and the role writes that one; remove this path or choose another"
_API_UNDER_UPLOAD = (
    "nginx gives requests under it to the longer, API location, so uploads there would lose the upload rate limit "
    "and streaming; put the upload path under the API path instead (an upload path under an API path takes the "
    "API's auth and keeps the upload's rules), or rename one so that neither starts with the other"
)


def path_overlap_problems(label, inherited, site, acme):
    """The paths of a site whose locations nginx cannot tell apart, or that would make an upload path unclear.

    nginx serves a request from the longest prefix location that matches it
    (as strings: ``/upload`` matches ``/upload_api/x`` too). Two overlaps
    are errors:

    * the same location twice: a path in two of ``api_paths``,
      ``upload_paths`` and ``public_locations``, twice in one, or equal to a
      location the role writes (the site's own, ``/robots.txt``, the ACME
      path when ``acme`` is on). nginx refuses a duplicate, or an exact
      public location silently takes the request from the other;
    * an API path under an upload path: part of what was listed as uploads
      would get the API's rules and lose the upload's (rate limit, streaming).

    Every other nesting is fine, because there the longer path is the
    stricter one or an explicit exception: an upload path under an API path
    (its location takes the API's auth, see ``upload_auth``), API paths or
    upload paths under ones of their own kind, any path under a public prefix,
    and a public location under an API or upload path (public on purpose).
    """
    if not SUB_PATH_RE.match(site["sub_path"]):
        return []
    sub = site["sub_path"].rstrip("/")
    # (location path, the path as given, kind, where it comes from); built-ins first.
    entries = [
        (site["sub_path"], None, "site", f"the site's own location (sub_path {site['sub_path']!r})"),
        (ROBOTS, None, "robots", "the robots.txt location"),
    ]
    if acme:
        entries.append((ACME_PATH, None, "acme", "the ACME challenge location (nginx_auth_acme_webroot is set)"))
    for key in ("public_locations", "api_paths", "upload_paths"):
        for index, path in enumerate(site[key]):
            if URL_PATH_RE.match(path):
                where = f"{label}.{key}[{index}]"
                if key in inherited:
                    where += f" (from nginx_auth_{key}[{index}])"
                entries.append((sub + path, path, key, where))
    found, first = [], {}
    for location, path, _kind, where in entries:
        if location not in first:
            first[location] = (path, where)
            continue
        other_path, other = first[location]
        if other_path is None:
            found.append(f"{where}: {path!r} is also {other}, which the role writes; {_BUILT_IN}")
        else:
            found.append(f"{where}: {path!r} is also {other}; {_SAME}")
    uploads = [(location, path, where) for location, path, kind, where in entries if kind == "upload_paths"]
    for location, path, kind, where in entries:
        if kind != "api_paths":
            continue
        for up_location, up_path, up_where in uploads:
            if location != up_location and location.startswith(up_location):
                found.append(
                    f"{where}: {path!r} lies under the upload path {up_path!r} of {up_where}; {_API_UNDER_UPLOAD}"
                )
    return found


def rate_limit_problems(label, limits, complete=True):
    """Problems of rate limits {kind: {rate, burst}}; COMPLETE: every kind must be there (the role's)."""
    if not isinstance(limits, dict):
        return [f"{label} must be a dict of {', '.join(RATE_KINDS)}, not {limits!r}"]
    found = []
    unknown = sorted(set(limits) - set(RATE_KINDS))
    if unknown:
        found.append(f"{label}: {unknown} are not kinds of rate limit; the kinds are {', '.join(RATE_KINDS)}")
    missing = [kind for kind in RATE_KINDS if kind not in limits and kind not in RATE_OPTIONAL] if complete else []
    if missing:
        required = [kind for kind in RATE_KINDS if kind not in RATE_OPTIONAL]
        found.append(f"{label}: {missing} missing; each of {', '.join(required)} needs a rate and a burst")
    for kind in RATE_KINDS:
        limit = limits.get(kind)
        if limit is None:
            continue
        where = f"{label}.{kind}"
        if not isinstance(limit, dict):
            found.append(f"{where} must be a dict with rate and burst, not {limit!r}")
            continue
        if (complete or "rate" in limit) and not RATE_RE.match(str(limit.get("rate", ""))):
            found.append(f"{where}.rate: got {limit.get('rate')!r}; a rate is like '10r/s' or '30r/m'")
        burst = limit.get("burst", 0 if not complete else None)
        if isinstance(burst, bool) or not re.match(r"^[0-9]+$", str(burst)):
            found.append(f"{where}.burst: got {burst!r}; a burst is a whole number, 0 or more")
    return found


def user_problems(users, min_bits=basicauth.MIN_BITS):
    """Problems of filled users: names, duplicates, passwords (never shown) under the password policy."""
    found, seen = [], set()
    for index, user in enumerate(users):
        label = f"{USERS_VAR}[{index}]"
        if not USER_NAME_RE.match(user["name"]):
            found.append(f"{label}.name: got {user['name']!r}; user names have no ':' or spaces")
        elif user["name"] in seen:
            found.append(f"{label}.name: {user['name']!r} is listed twice; names must be unique")
        seen.add(user["name"])
        if user["state"] == "present" and not user["password"]:
            found.append(
                f"{label}.password: the present user {user['name']!r} needs a password (keep it in Ansible Vault)"
            )
        elif user["state"] == "present":
            weak = basicauth.password_problem(f"{label}.password", user["name"], user["password"], min_bits)
            found += [weak] if weak else []
    return found


def hashing_problems(password_min_bits, hash_rounds):
    """Problems of nginx_auth_password_min_bits and nginx_auth_hash_rounds."""
    found = []
    if isinstance(password_min_bits, bool) or not isinstance(password_min_bits, int) or password_min_bits < 0:
        found.append(
            f"nginx_auth_password_min_bits: got {password_min_bits!r}; a whole number of bits, "
            f"{basicauth.MIN_BITS} unless you know better"
        )
    if (
        isinstance(hash_rounds, bool)
        or not isinstance(hash_rounds, int)
        or not basicauth.MIN_ROUNDS <= hash_rounds <= basicauth.MAX_ROUNDS
    ):
        found.append(
            f"nginx_auth_hash_rounds: got {hash_rounds!r}; SHA-512 crypt takes {basicauth.MIN_ROUNDS} to "
            f"{basicauth.MAX_ROUNDS} rounds, and nginx pays them on every request ({basicauth.DEFAULT_ROUNDS}: "
            "under a millisecond)"
        )
    return found


def tls_policy_problems(protocols, ciphers):
    """Problems of nginx_auth_tls_protocols and nginx_auth_tls_ciphers."""
    found = []
    if not protocols or any(p not in TLS_PROTOCOLS for p in protocols):
        found.append(
            f"nginx_auth_tls_protocols: got {protocols}; use TLSv1.2 and/or TLSv1.3 (older versions are broken)"
        )
    if not ciphers or any(not CIPHER_RE.match(str(c)) for c in ciphers):
        found.append(
            f"nginx_auth_tls_ciphers: got {ciphers}; use OpenSSL cipher names such as ECDHE-ECDSA-AES128-GCM-SHA256"
        )
    return found


def problems(
    sites,
    tls_protocols=None,
    tls_ciphers=None,
    password_min_bits=basicauth.MIN_BITS,
    hash_rounds=basicauth.DEFAULT_ROUNDS,
    **settings,
):
    """Every problem of nginx_auth's variables, in one list; empty when they are fine."""
    options, found = _options(settings)
    if found:
        return found
    found = hashing_problems(password_min_bits, hash_rounds)
    min_bits = password_min_bits if not found else 0
    found += rate_limit_problems(RATE_LIMITS_VAR, options["rate_limits"])
    size = size_problem("nginx_auth_client_max_body_size", options["client_max_body_size"])
    found += [size] if size else []
    found += _path_problems("nginx_auth_upload_paths", options["upload_paths"])
    filled, valid, site_errors = _sites(sites, options)
    users, user_errors = _users(options["users"])
    found += site_errors + user_errors + user_problems(users, min_bits)
    present = [user["name"] for user in users if user["state"] == "present"]
    for index, site in enumerate(filled):
        if index in valid:
            found += site_problems(*valid[index], site, present)
            found += path_overlap_problems(*valid[index], site, bool(options["acme_webroot"]))
    if tls_protocols is not None or tls_ciphers is not None:
        found += tls_policy_problems(tls_protocols, tls_ciphers)
    return found
