# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The upload_guard role's variables as data: their defaults, their problems, what the tasks need.

Plain Python (no AnsibleModule) so that pytest tests it directly. The filters
in ``plugins/filter/upload_guard.py`` are its interface to the role.

The input is described twice, and the two must agree (a unit test compares
them): ``APP_OPTIONS`` and ``MODEL_OPTIONS`` here, in argument-spec form, are
the source of the defaults and types; ``roles/upload_guard/meta/argument_specs.yml``
repeats them for Ansible's own entry-point validation and the README.
``MODEL_OPTIONS`` names the role variables without the ``upload_guard_``
prefix; its defaults are the role's.

The content types are the scanner's own (``uploadscan.kinds.TYPES``) and the
sizes are read with its ``parse_size``, nginx's syntax: one definition each.
The sites in front of the apps come from the nginx_auth site model (the
``site_model`` filter's dict, ``module_utils/sites.py``): each site's
effective ``client_max_body_size``, never nginx_auth_sites' raw entries.

* ``build``: the apps with every default filled in and what the tasks derive
  from them (``Model``: the directories, the scanner's and retention's
  configuration); raises ``UploadGuardError`` with every problem, so nothing
  is built from input that has one;
* ``problems``: every problem of the role's variables, each naming the
  variable (``upload_guard_apps[1].allowed_types[0]``) and the fix;
* ``mounts``: the fstab entries of the upload directories (findmnt results)
  split into the role's own bind mounts and anybody else's.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.aiguard.hardening.plugins.module_utils import argspec
from ansible_collections.aiguard.hardening.plugins.module_utils.sites import size_problem
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.kinds import (
    DANGEROUS,
    DEFAULT_ALLOWED,
    QUARANTINE,
    REPORT,
    TYPES,
    UploadScanError,
    parse_size,
)

PREFIX = "upload_guard_"
VAR = "upload_guard_apps"

# The content types an upload directory may accept: every type the scanner
# knows except executable and script content and "unrecognised binary data"
# (which the upload_scan module may allow, the role does not).
UPLOAD_TYPES = tuple(name for name, kind in TYPES.items() if kind.family != DANGEROUS and name != "unknown")

# The keys of an app (upload_guard_apps[]). The ones without a default of
# their own are filled in from the role variables in APP_INHERITED.
APP_OPTIONS = {
    "name": dict(type="str", required=True),
    "owner": dict(type="str", required=True),
    "group": dict(type="str", default=""),
    "upload_dir": dict(type="path", required=True),
    "output_dir": dict(type="path", default=""),
    "quarantine_dir": dict(type="path", default=""),
    "service": dict(type="str", default=""),
    "nginx_site": dict(type="str", default=""),
    "max_upload_size": dict(type="str", default=""),
    "allowed_types": dict(type="list", elements="str"),
    "action": dict(type="str", choices=[QUARANTINE, REPORT]),
    "retention_days": dict(type="int"),
    "retention_max_size": dict(type="str"),
}
APP_INHERITED = {
    "allowed_types": "allowed_types",
    "action": "scan_action",
    "retention_days": "retention_days",
    "retention_max_size": "retention_max_size",
}

# The role variables besides upload_guard_apps, named without the prefix.
MODEL_OPTIONS = {
    "dir_mode": dict(type="str", default="0750"),
    "service_umask": dict(type="str", default="0027"),
    "noexec_mount": dict(type="bool", default=True),
    "max_upload_size": dict(type="str", default="100m"),
    "allowed_types": dict(type="list", elements="str", default=list(DEFAULT_ALLOWED)),
    "scan_action": dict(type="str", choices=[QUARANTINE, REPORT], default=QUARANTINE),
    "scan_min_age": dict(type="int", default=2),
    "scan_interval": dict(type="str", default="15min"),
    "quarantine_root": dict(type="path", default="/var/lib/aiguard/quarantine"),
    "retention_days": dict(type="int", default=7),
    "retention_max_size": dict(type="str", default=""),
    "retention_dry_run": dict(type="bool", default=False),
    "retention_schedule": dict(type="str", default="daily"),
    "allowed_prefixes": dict(
        type="list", elements="str", default=["/srv/", "/var/lib/", "/opt/", "/home/", "/data/", "/mnt/"]
    ),
}

# Directories no prefix can open up: the system's own.
DENIED_PREFIXES = (
    "/etc/",
    "/usr/",
    "/bin/",
    "/sbin/",
    "/lib/",
    "/lib32/",
    "/lib64/",
    "/boot/",
    "/dev/",
    "/proc/",
    "/sys/",
    "/run/",
    "/root/",
    "/var/log/",
    "/var/cache/",
    "/var/spool/",
    "/tmp/",
    "/var/tmp/",
)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# A normalised absolute path: no "..", ".", "//" or trailing "/".
PATH_RE = re.compile(r"^(/[A-Za-z0-9._~+@-]+)+$")
DOT_RE = re.compile(r"/\.\.?(/|$)")
MODE_RE = re.compile(r"^0?[0-7]{3}$")
SERVICE_RE = re.compile(r"^[A-Za-z0-9@._-]+\.service$")
TIMESPAN_RE = re.compile(r"^[0-9]+ ?(s|sec|min|m|h|hr|d|day|days|w)?$")
CALENDAR_RE = re.compile(r"^[A-Za-z0-9 :*,./~-]+$")
# findmnt --raw "SOURCE TARGET FSTYPE OPTIONS" of the role's own entry: the
# directory bound onto itself.
OWN_MOUNT_RE = re.compile(r"^(\S+) \1 none (\S*,)?bind(,\S*)?$")
DIR_KEYS = ("upload_dir", "output_dir", "quarantine_dir")


class UploadGuardError(ValueError):
    """Input no model is made of; ``problems`` lists every problem, the message joins them."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _spec(options):
    """OPTIONS for ArgumentSpecValidator: paths are checked as strings.

    Type ``path`` would expand ``~`` and ``$VARS`` here, on the controller,
    turning a value the directory checks refuse into one of the controller's
    directories; Ansible's own validation of the role's argument spec only
    checks the type.
    """
    return {key: dict(option, type="str") if option["type"] == "path" else option for key, option in options.items()}


def _validate(options, params, where):
    """Apply an argument spec key by key (argspec.validate_keys), paths checked as strings (``_spec``)."""
    return argspec.validate_keys(_spec(options), params, where)


def _settings(settings):
    """(MODEL_OPTIONS applied to the role variables given, the names of the bad ones, problems)."""
    unknown = sorted(set(settings) - set(MODEL_OPTIONS))
    if unknown:
        raise TypeError(f"unknown setting(s) of the upload_guard model: {', '.join(unknown)}")
    return _validate(MODEL_OPTIONS, settings, lambda key: PREFIX + key)


def _types_problems(label, types):
    found = []
    for index, name in enumerate(types):
        kind = TYPES.get(name)
        if kind is not None and kind.family == DANGEROUS:
            found.append(
                f"{label}[{index}]: {name!r} is executable or script content, which is never allowed; remove it"
            )
        elif name not in UPLOAD_TYPES:
            found.append(
                f"{label}[{index}]: {name!r} is not a content type the scanner knows; use one of "
                + ", ".join(UPLOAD_TYPES)
            )
    return found


def _days_problem(label, days):
    if days >= 1:
        return None
    return f"{label}: got {days}; retention_days must be at least 1 (0 would delete every upload at once)"


def _optional_size_problem(label, value):
    return None if value == "" else size_problem(label, value)


def _setting_problems(options, bad):
    """Problems of the role variables besides the apps that the argument spec cannot express."""
    checks = {
        "dir_mode": lambda v: None if MODE_RE.match(v) else 'an octal mode such as "0750"',
        "service_umask": lambda v: None if MODE_RE.match(v) else 'an octal umask such as "0027"',
        "scan_min_age": lambda v: None if v >= 0 else "0 or more seconds",
        "scan_interval": lambda v: None if TIMESPAN_RE.match(v) else "a systemd time span such as 15min or 1h",
        "retention_schedule": lambda v: None if CALENDAR_RE.match(v) else "a systemd OnCalendar value such as daily",
    }
    found = []
    for key, check in checks.items():
        if key not in bad:
            wanted = check(options[key])
            if wanted:
                found.append(f"{PREFIX}{key}: got {options[key]!r}; use {wanted}")
    if "retention_days" not in bad:
        found.append(_days_problem(PREFIX + "retention_days", options["retention_days"]))
    if "max_upload_size" not in bad:
        found.append(size_problem(PREFIX + "max_upload_size", options["max_upload_size"]))
    if "retention_max_size" not in bad:
        found.append(_optional_size_problem(PREFIX + "retention_max_size", options["retention_max_size"]))
    if "allowed_types" not in bad:
        found += _types_problems(PREFIX + "allowed_types", options["allowed_types"])
    if "allowed_prefixes" not in bad:
        for index, prefix in enumerate(options["allowed_prefixes"]):
            if not (prefix.startswith("/") and prefix.endswith("/") and prefix != "/" and PATH_RE.match(prefix[:-1])):
                found.append(
                    f"{PREFIX}allowed_prefixes[{index}]: got {prefix!r}; a prefix is a normalised absolute directory "
                    "ending in '/', such as /srv/ (not / itself)"
                )
    return [problem for problem in found if problem]


def _site_sizes(sites):
    """{site name: effective client_max_body_size} of a site model (None: no sites)."""
    if sites is None:
        return {}
    if not isinstance(sites, dict) or not isinstance(sites.get("client_max_body_size"), dict):
        raise TypeError("sites must be the aiguard.hardening.site_model filter's dict, or None")
    return dict(sites["client_max_body_size"])


def _label(index):
    return f"{VAR}[{index}]"


def _fill(label, raw, options):
    """(the app with every default filled in, its keys not to check, problems of the argument spec).

    The keys not to check are the bad ones and the inherited ones: an
    inherited value's problem is the role variable's, reported once.
    """
    if not isinstance(raw, dict):
        return None, (), [f"{label} must be a dict of the keys in the role's README, not {type(raw).__name__}"]
    app, bad, found = _validate(APP_OPTIONS, raw, lambda key: f"{label}.{key}" if key else label)
    for key, setting in APP_INHERITED.items():
        if app[key] is None:
            app[key] = copy.deepcopy(options[setting])
            bad.add(key)
    return app, bad, found


def _app_problems(label, app, skip, sizes):
    """Problems of one filled app that the argument spec cannot express, but those of the keys in SKIP."""
    found = []
    if "owner" not in skip and not app["owner"]:
        found.append(f"{label}.owner: the user the app runs as; it owns the directories and must not be empty")
    if "service" not in skip and app["service"] and not SERVICE_RE.match(app["service"]):
        found.append(
            f"{label}.service: got {app['service']!r}; a service is a systemd unit name ending in .service, such as "
            "aiguard-lab-gradio.service, or empty to leave the app's service alone"
        )
    if "allowed_types" not in skip:
        found += _types_problems(f"{label}.allowed_types", app["allowed_types"])
    if "retention_days" not in skip:
        found.append(_days_problem(f"{label}.retention_days", app["retention_days"]))
    if "retention_max_size" not in skip:
        found.append(_optional_size_problem(f"{label}.retention_max_size", app["retention_max_size"]))
    if "max_upload_size" not in skip:
        found.append(_optional_size_problem(f"{label}.max_upload_size", app["max_upload_size"]))
    site = "" if {"nginx_site", "max_upload_size"} & skip else app["nginx_site"]
    if site and site not in sizes:
        found.append(
            f"{label}.nginx_site: {site!r} is not one of nginx_auth_sites ({', '.join(sizes) or 'none'}); name the "
            "site in front of the app, or leave nginx_site empty"
        )
    elif site:
        found.append(_nginx_size_problem(label, app, sizes[site]))
    return [problem for problem in found if problem]


def _nginx_size_problem(label, app, nginx_size):
    """The app's limit against the one nginx enforces for its site (sizes are powers of 1024: 1024k == 1m)."""
    try:
        nginx_bytes = parse_size(nginx_size)
    except UploadScanError:
        return (
            f"{label}.nginx_site: client_max_body_size {nginx_size!r} of nginx_auth site {app['nginx_site']!r} is not "
            f"an nginx size; fix nginx_auth_sites[{app['nginx_site']}].client_max_body_size"
        )
    if not app["max_upload_size"] or size_problem("", app["max_upload_size"]):
        return None
    if parse_size(app["max_upload_size"]) == nginx_bytes:
        return None
    return (
        f"{label}.max_upload_size: {app['max_upload_size']} differs from client_max_body_size {nginx_size} of "
        f"nginx_auth site {app['nginx_site']!r}: nginx would accept uploads the scanner calls oversize, or refuse "
        "ones it allows. Leave max_upload_size empty to use nginx's limit, or set both to the same size"
    )


def _name_problems(apps):
    found, seen = [], {}
    for index, app, skip in apps:
        if "name" in skip:
            continue
        name = app["name"]
        if not NAME_RE.match(name):
            found.append(
                f"{_label(index)}.name: {name!r} is not a valid app name; every app needs a unique name of lower case "
                "letters, digits, '-' or '_' (at most 32 characters)"
            )
        elif name in seen:
            found.append(
                f"{_label(index)}.name: {name!r} is also the name of {_label(seen[name])}; names must be unique"
            )
        else:
            seen[name] = index
    return found


def _directory_problem(label, path, prefixes):
    """Why a directory is not one the role may manage, or None."""
    inside = path + "/"
    if path != "/" and (not PATH_RE.match(path) or DOT_RE.search(path)):
        return (
            f"{label}: got {path!r}; a directory is an absolute, normalised path of A-Za-z0-9._~+@- (no '.', '..', "
            "'//' or trailing '/'), such as /srv/APP/uploads"
        )
    denied = next((prefix for prefix in DENIED_PREFIXES if inside.startswith(prefix)), None)
    if denied:
        return (
            f"{label}: {path} is under the system directory {denied}, which no entry of {PREFIX}allowed_prefixes "
            "opens up; point it at the app's data, for example /srv/APP/uploads"
        )
    if not any(inside.startswith(prefix) and inside != prefix for prefix in prefixes):
        return (
            f"{label}: {path} is not below one of {PREFIX}allowed_prefixes ({', '.join(prefixes) or 'none'}); point "
            "it at the app's data, for example /srv/APP/uploads, or add its parent to upload_guard_allowed_prefixes"
        )
    return None


def _nesting_problems(dirs):
    """Pairs of directories where one is inside (or is) the other.

    DIRS are (label, path, kind), kind ``root`` for the quarantine root,
    ``quarantine`` for an app's quarantine (which belongs inside the root).
    """
    why = (
        "; upload, output and quarantine directories must be separate (retention would delete the quarantine, the "
        "scanner would judge outputs as uploads)"
    )
    found = []
    for i, a in enumerate(dirs):
        for b in dirs[i + 1 :]:
            if a[1] == b[1]:
                found.append(f"{b[0]} ({b[1]}) is the same directory as {a[0]}{why}")
                continue
            for outer, inner in ((a, b), (b, a)):
                if (inner[1] + "/").startswith(outer[1] + "/") and (outer[2], inner[2]) != ("root", "quarantine"):
                    found.append(f"{inner[0]} ({inner[1]}) is inside {outer[0]} ({outer[1]}){why}")
    return found


def _check(apps, sites, settings):
    """(the filled apps, the role variables with their defaults, every problem)."""
    options, bad, found = _settings(settings)
    found += _setting_problems(options, bad)
    sizes = _site_sizes(sites)
    if not isinstance(apps, list):
        return [], options, [*found, f"{VAR} must be a list of apps, not {type(apps).__name__}"]
    filled, checkable = [], []
    for index, raw in enumerate(apps):
        label = _label(index)
        app, skip, errors = _fill(label, raw, options)
        found += errors
        if app is None:
            continue
        found += _app_problems(label, app, skip, sizes)
        checkable.append((index, app, skip))
        filled.append(app)
    found += _name_problems(checkable)
    found += _directories_problems(checkable, options, bad)
    return filled, options, found


def _directories_problems(apps, options, bad):
    """Directories the role may not manage, and directories inside others."""
    if "allowed_prefixes" in bad or "quarantine_root" in bad:
        return []
    # Entries that are no prefix (reported as such) open up nothing.
    prefixes = [p for p in options["allowed_prefixes"] if p.startswith("/") and p.endswith("/") and p != "/"]
    root = options["quarantine_root"]
    root_problem = _directory_problem(PREFIX + "quarantine_root", root, prefixes)
    found, dirs = [], []
    if root_problem:
        found.append(root_problem)
    else:
        dirs.append((PREFIX + "quarantine_root", root, "root"))
    for index, app, skip in apps:
        for key in DIR_KEYS:
            if key in skip:
                continue
            path, label = app[key], f"{_label(index)}.{key}"
            kind = "quarantine" if key == "quarantine_dir" else "app"
            if key == "quarantine_dir" and not path:
                # upload_guard_quarantine_root/NAME: only its place among the others is in question.
                if not root_problem and "name" not in skip and NAME_RE.match(app["name"]):
                    dirs.append((label, f"{root}/{app['name']}", kind))
                continue
            problem = _directory_problem(label, path, prefixes) if path else None
            if problem:
                found.append(problem)
            elif path:
                dirs.append((label, path, kind))
    return found + _nesting_problems(dirs)


def problems(apps, sites=None, **settings):
    """Every problem of upload_guard's variables, in one list; empty when they are fine.

    APPS is upload_guard_apps, SITES the site_model filter's dict (None: no
    nginx_auth sites), SETTINGS the other role variables without the prefix.
    """
    return _check(apps, sites, settings)[2]


class Model:
    """The apps with every default filled in, and what the tasks derive from them.

    ``as_dict()`` is what the upload_guard_model filter returns: see its keys there.
    """

    def __init__(self, apps, options):
        self.apps = apps
        self.options = options

    def directories(self):
        """Every managed directory: uploads (scanned, mounted noexec) and outputs."""
        out = []
        for app in self.apps:
            for kind, key in (("upload", "upload_dir"), ("output", "output_dir")):
                if app[key]:
                    out.append(
                        {
                            "app": app["name"],
                            "path": app[key],
                            "kind": kind,
                            "owner": app["owner"],
                            "group": app["group"],
                        }
                    )
        return out

    def quarantine_dirs(self):
        out = [self.options["quarantine_root"]]
        for app in self.apps:
            if app["quarantine_dir"] not in out:
                out.append(app["quarantine_dir"])
        return out

    def scan_config(self):
        """What ``aiguard-upload-scan scan --config`` reads."""
        return {
            "directories": [
                {
                    "path": app["upload_dir"],
                    "app": app["name"],
                    "action": app["action"],
                    "quarantine_dir": app["quarantine_dir"],
                    "allowed_types": app["allowed_types"],
                    "max_size": app["max_upload_size"],
                    "min_age": self.options["scan_min_age"],
                    "retention_days": app["retention_days"],
                    "retention_max_size": app["retention_max_size"],
                    "retention_dry_run": self.options["retention_dry_run"],
                }
                for app in self.apps
            ]
        }

    def retention_config(self):
        """What ``aiguard-upload-scan expire --config`` reads: every directory, uploads and outputs."""
        apps = {app["name"]: app for app in self.apps}
        return {
            "directories": [
                {
                    "path": directory["path"],
                    "app": directory["app"],
                    "retention_days": apps[directory["app"]]["retention_days"],
                    "retention_max_size": apps[directory["app"]]["retention_max_size"],
                    "retention_dry_run": self.options["retention_dry_run"],
                }
                for directory in self.directories()
            ]
        }

    def as_dict(self):
        owners = []
        for app in self.apps:
            if app["owner"] not in owners:
                owners.append(app["owner"])
        return {
            "problems": [],
            "apps": self.apps,
            "names": [app["name"] for app in self.apps],
            "owners": owners,
            "services": [app["service"] for app in self.apps if app["service"]],
            "upload_dirs": [app["upload_dir"] for app in self.apps],
            "dirs": self.directories(),
            "quarantine_dirs": self.quarantine_dirs(),
            "scan_config": self.scan_config(),
            "retention_config": self.retention_config(),
        }


def build(apps, sites=None, **settings):
    """The Model of upload_guard_apps, the site model and the role variables in MODEL_OPTIONS.

    Raises UploadGuardError with every problem: nothing is built from input
    that has one. The filled apps' ``group`` defaults to the owner,
    ``quarantine_dir`` to upload_guard_quarantine_root/NAME, and
    ``max_upload_size`` to the client_max_body_size of the app's nginx_site,
    else upload_guard_max_upload_size.
    """
    filled, options, found = _check(apps, sites, settings)
    if found:
        raise UploadGuardError(found)
    sizes = _site_sizes(sites)
    for app in filled:
        app["group"] = app["group"] or app["owner"]
        app["quarantine_dir"] = app["quarantine_dir"] or f"{options['quarantine_root']}/{app['name']}"
        nginx_size = sizes.get(app["nginx_site"], "") if app["nginx_site"] else ""
        app["max_upload_size"] = str(app["max_upload_size"] or nginx_size or options["max_upload_size"])
    return Model(filled, options)


def mounts(results):
    """{own, foreign}: the fstab entries of the upload directories, the role's and anybody else's.

    RESULTS are the registered results of ``findmnt --fstab --noheadings --raw
    --output SOURCE,TARGET,FSTYPE,OPTIONS --mountpoint DIR`` looped over the
    upload directories (``item`` the directory; rc 1: no entry; skipped ones
    have no rc). ``own`` lists the directories whose only entry is the role's
    bind mount of the directory onto itself; ``foreign`` every other entry,
    as findmnt printed it.
    """
    own, foreign = [], []
    for result in results or []:
        if not isinstance(result, dict) or result.get("rc") != 0:
            continue
        lines = [line for line in str(result.get("stdout", "")).splitlines() if line.strip()]
        theirs = [line for line in lines if not OWN_MOUNT_RE.match(line)]
        if theirs:
            foreign += theirs
        elif lines:
            own.append(result["item"])
    return {"own": own, "foreign": foreign}
