# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The upload_guard model: defaults, derived data, every preflight problem, and agreement with the argument spec."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.aiguard.hardening.plugins.module_utils import sites, uploadguard
from ansible_collections.aiguard.hardening.plugins.module_utils.uploadscan.kinds import DEFAULT_ALLOWED, TYPES

ROOT = Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "upload_guard"
UPLOADS = "/srv/aiguard-lab/gradio/uploads"
OUTPUTS = "/srv/aiguard-lab/gradio/outputs"
# The molecule/upload_guard and lab app, behind the studio site.
GRADIO = {
    "name": "gradio",
    "owner": "aiapp",
    "upload_dir": UPLOADS,
    "output_dir": OUTPUTS,
    "service": "aiguard-lab-gradio.service",
    "nginx_site": "studio",
}
STUDIO = {"name": "studio", "upstream": "127.0.0.1:7860", "client_max_body_size": "1m"}
PLAIN = {"name": "plain", "upstream": "127.0.0.1:7861"}


def site_model(site_list=(STUDIO, PLAIN), **settings):
    """What the role passes: the site_model filter's dict."""
    return sites.build(list(site_list), **settings).as_dict()


def app(**keys):
    return {"name": "gradio", "owner": "aiapp", "upload_dir": UPLOADS, **keys}


def model(apps, site=None, **settings):
    return uploadguard.build(apps, site_model() if site is None else site, **settings).as_dict()


def problems(apps, site=None, **settings):
    return uploadguard.problems(apps, site_model() if site is None else site, **settings)


# ------------------------------------------------------------------ the model


def test_defaults_are_filled_in():
    built = model([app()])
    assert built["apps"] == [
        {
            "name": "gradio",
            "owner": "aiapp",
            "group": "aiapp",
            "upload_dir": UPLOADS,
            "output_dir": "",
            "quarantine_dir": "/var/lib/aiguard/quarantine/gradio",
            "service": "",
            "nginx_site": "",
            "max_upload_size": "100m",
            "allowed_types": list(DEFAULT_ALLOWED),
            "action": "quarantine",
            "retention_days": 7,
            "retention_max_size": "",
        }
    ]
    assert built["problems"] == []


# The upload limit: the app's own, else its site's effective
# client_max_body_size (the site's, else nginx_auth_client_max_body_size),
# else upload_guard_max_upload_size.
@pytest.mark.parametrize(
    ("keys", "site", "settings", "expected"),
    [
        pytest.param({}, site_model(), {}, "100m", id="no-site-role-default"),
        pytest.param({}, site_model(), {"max_upload_size": "20m"}, "20m", id="no-site-role-variable"),
        pytest.param({"nginx_site": "studio"}, site_model(), {"max_upload_size": "20m"}, "1m", id="site-own-size"),
        pytest.param(
            {"nginx_site": "plain"}, site_model(), {"max_upload_size": "20m"}, "100m", id="site-nginx-default"
        ),
        pytest.param(
            {"nginx_site": "plain"}, site_model(client_max_body_size="300m"), {}, "300m", id="site-nginx-variable"
        ),
        pytest.param({"nginx_site": "studio", "max_upload_size": "1024k"}, site_model(), {}, "1024k", id="equal-size"),
        pytest.param({"max_upload_size": "0"}, site_model(), {}, "0", id="no-limit"),
        pytest.param({}, None, {}, "100m", id="without-nginx-auth"),
    ],
)
def test_max_upload_size(keys, site, settings, expected):
    assert uploadguard.build([app(**keys)], site, **settings).as_dict()["apps"][0]["max_upload_size"] == expected


@pytest.mark.parametrize(
    ("keys", "settings", "expected"),
    [
        pytest.param({}, {"allowed_types": ["png"]}, {"allowed_types": ["png"]}, id="allowed-types-role-wide"),
        pytest.param({"allowed_types": ["pdf"]}, {"allowed_types": ["png"]}, {"allowed_types": ["pdf"]}, id="own"),
        pytest.param({}, {"scan_action": "report"}, {"action": "report"}, id="action-role-wide"),
        pytest.param({"action": "report"}, {}, {"action": "report"}, id="action-own"),
        pytest.param({}, {"retention_days": 3}, {"retention_days": 3}, id="retention-role-wide"),
        pytest.param({"retention_days": "14"}, {}, {"retention_days": 14}, id="retention-converted"),
        pytest.param({}, {"retention_max_size": "5g"}, {"retention_max_size": "5g"}, id="cap-role-wide"),
        pytest.param({"group": "staff"}, {}, {"group": "staff"}, id="group"),
        pytest.param({}, {"quarantine_root": "/var/lib/q"}, {"quarantine_dir": "/var/lib/q/gradio"}, id="root"),
        pytest.param({"quarantine_dir": "/srv/q"}, {}, {"quarantine_dir": "/srv/q"}, id="quarantine-own"),
    ],
)
def test_inherited_and_own_keys(keys, settings, expected):
    filled = model([app(**keys)], **settings)["apps"][0]
    assert {key: filled[key] for key in expected} == expected


def test_derived_data_of_the_lab_app():
    other = app(name="voice", owner="bob", upload_dir="/data/voice/in", action="report", retention_days=2)
    built = model([GRADIO, other], retention_dry_run=True, scan_min_age=5)
    assert built["names"] == ["gradio", "voice"]
    assert built["owners"] == ["aiapp", "bob"]
    assert built["services"] == ["aiguard-lab-gradio.service"]
    assert built["upload_dirs"] == [UPLOADS, "/data/voice/in"]
    assert built["dirs"] == [
        {"app": "gradio", "path": UPLOADS, "kind": "upload", "owner": "aiapp", "group": "aiapp"},
        {"app": "gradio", "path": OUTPUTS, "kind": "output", "owner": "aiapp", "group": "aiapp"},
        {"app": "voice", "path": "/data/voice/in", "kind": "upload", "owner": "bob", "group": "bob"},
    ]
    assert built["quarantine_dirs"] == [
        "/var/lib/aiguard/quarantine",
        "/var/lib/aiguard/quarantine/gradio",
        "/var/lib/aiguard/quarantine/voice",
    ]
    assert built["scan_config"] == {
        "directories": [
            {
                "path": UPLOADS,
                "app": "gradio",
                "action": "quarantine",
                "quarantine_dir": "/var/lib/aiguard/quarantine/gradio",
                "allowed_types": list(DEFAULT_ALLOWED),
                "max_size": "1m",
                "min_age": 5,
                "retention_days": 7,
                "retention_max_size": "",
                "retention_dry_run": True,
            },
            {
                "path": "/data/voice/in",
                "app": "voice",
                "action": "report",
                "quarantine_dir": "/var/lib/aiguard/quarantine/voice",
                "allowed_types": list(DEFAULT_ALLOWED),
                "max_size": "100m",
                "min_age": 5,
                "retention_days": 2,
                "retention_max_size": "",
                "retention_dry_run": True,
            },
        ]
    }
    assert built["retention_config"] == {
        "directories": [
            {"path": path, "app": name, "retention_days": days, "retention_max_size": "", "retention_dry_run": True}
            for path, name, days in ((UPLOADS, "gradio", 7), (OUTPUTS, "gradio", 7), ("/data/voice/in", "voice", 2))
        ]
    }


def test_no_apps_no_directories():
    built = model([])
    assert (built["apps"], built["dirs"], built["scan_config"]) == ([], [], {"directories": []})
    assert built["quarantine_dirs"] == ["/var/lib/aiguard/quarantine"]


def test_the_model_does_not_change_its_input():
    apps, site = [app(nginx_site="studio")], site_model()
    model(apps, site)
    assert apps == [app(nginx_site="studio")] and site == site_model()


def test_the_upload_types_are_the_scanners():
    # Every type the scanner knows but executable/script content and unknown data.
    assert set(uploadguard.UPLOAD_TYPES) == {
        name for name, kind in TYPES.items() if kind.family in ("media", "document")
    } | {
        "svg",
        "text",
    }
    assert set(DEFAULT_ALLOWED) <= set(uploadguard.UPLOAD_TYPES)


def test_the_lab_inventory_has_no_problem():
    lab = yaml.safe_load((ROOT / "inventories" / "lab" / "group_vars" / "ai_apps.yml").read_text())
    assert problems(lab["upload_guard_apps"], site_model(lab["nginx_auth_sites"])) == []


# ------------------------------------------------------------------ problems


# Each case: apps, the site model (None: the studio and plain sites), other
# settings, the exact problems. The six the upload_guard scenario used to
# feed through a converge come first.
@pytest.mark.parametrize(
    ("apps", "site", "settings", "expected"),
    [
        pytest.param(
            [app(upload_dir="/etc/uploads")],
            None,
            {},
            [
                "upload_guard_apps[0].upload_dir: /etc/uploads is under the system directory /etc/, which no entry of "
                "upload_guard_allowed_prefixes opens up; point it at the app's data, for example /srv/APP/uploads"
            ],
            id="system-directory",
        ),
        pytest.param(
            [app(upload_dir="/")],
            None,
            {},
            [
                "upload_guard_apps[0].upload_dir: / is not below one of upload_guard_allowed_prefixes (/srv/, "
                "/var/lib/, /opt/, /home/, /data/, /mnt/); point it at the app's data, for example /srv/APP/uploads, "
                "or add its parent to upload_guard_allowed_prefixes"
            ],
            id="root-directory",
        ),
        pytest.param(
            [app()],
            None,
            {"retention_days": 0},
            [
                "upload_guard_retention_days: got 0; retention_days must be at least 1 (0 would delete every upload "
                "at once)"
            ],
            id="retention-0-role-wide",
        ),
        pytest.param(
            [app(retention_days=0)],
            None,
            {},
            [
                "upload_guard_apps[0].retention_days: got 0; retention_days must be at least 1 (0 would delete every "
                "upload at once)"
            ],
            id="retention-0-app",
        ),
        pytest.param(
            [app(nginx_site="studio", max_upload_size="2m")],
            None,
            {},
            [
                "upload_guard_apps[0].max_upload_size: 2m differs from client_max_body_size 1m of nginx_auth site "
                "'studio': nginx would accept uploads the scanner calls oversize, or refuse ones it allows. Leave "
                "max_upload_size empty to use nginx's limit, or set both to the same size"
            ],
            id="size-differs-from-nginx",
        ),
        pytest.param(
            [app(quarantine_dir=UPLOADS + "/q")],
            None,
            {},
            [
                f"upload_guard_apps[0].quarantine_dir ({UPLOADS}/q) is inside upload_guard_apps[0].upload_dir "
                f"({UPLOADS}); upload, output and quarantine directories must be separate (retention would delete "
                "the quarantine, the scanner would judge outputs as uploads)"
            ],
            id="quarantine-inside-uploads",
        ),
        pytest.param(
            [app(), app(allowed_types=["png", "php", "exe"], name="voice", upload_dir="/srv/voice")],
            None,
            {},
            [
                "upload_guard_apps[1].allowed_types[1]: 'php' is executable or script content, which is never "
                "allowed; remove it",
                "upload_guard_apps[1].allowed_types[2]: 'exe' is not a content type the scanner knows; use one of "
                "mp4, m4a, mov, 3gp, heif, wav, avi, mp3, aac, flac, ogg, webm, mkv, png, jpeg, gif, webp, bmp, "
                "tiff, pdf, zip, svg, text",
            ],
            id="allowed-types",
        ),
        pytest.param(
            [app(allowed_types=["unknown"])],
            None,
            {},
            [
                "upload_guard_apps[0].allowed_types[0]: 'unknown' is not a content type the scanner knows; use one "
                "of mp4, m4a, mov, 3gp, heif, wav, avi, mp3, aac, flac, ogg, webm, mkv, png, jpeg, gif, webp, bmp, "
                "tiff, pdf, zip, svg, text"
            ],
            id="unrecognised-data-is-not-a-type",
        ),
        pytest.param(
            [app()],
            None,
            {"allowed_types": ["png", "elf"]},
            ["upload_guard_allowed_types[1]: 'elf' is executable or script content, which is never allowed; remove it"],
            id="allowed-types-role-wide-once",
        ),
        pytest.param(
            [app(nginx_site="nope")],
            None,
            {},
            [
                "upload_guard_apps[0].nginx_site: 'nope' is not one of nginx_auth_sites (studio, plain); name the "
                "site in front of the app, or leave nginx_site empty"
            ],
            id="unknown-site",
        ),
        pytest.param(
            [app(nginx_site="studio")],
            {"names": [], "client_max_body_size": {}},
            {},
            [
                "upload_guard_apps[0].nginx_site: 'studio' is not one of nginx_auth_sites (none); name the site in "
                "front of the app, or leave nginx_site empty"
            ],
            id="no-sites",
        ),
        pytest.param(
            [app(nginx_site="studio")],
            site_model([dict(STUDIO, client_max_body_size="1 m")]),
            {},
            [
                "upload_guard_apps[0].nginx_site: client_max_body_size '1 m' of nginx_auth site 'studio' is not an "
                "nginx size; fix nginx_auth_sites[studio].client_max_body_size"
            ],
            id="bad-site-size",
        ),
        pytest.param(
            [app(max_upload_size="2 m", retention_max_size="lots")],
            None,
            {},
            [
                "upload_guard_apps[0].retention_max_size: 'lots' is not an nginx size; use a number of bytes with k, "
                "m or g, such as 50m",
                "upload_guard_apps[0].max_upload_size: '2 m' is not an nginx size; use a number of bytes with k, m or "
                "g, such as 50m",
            ],
            id="bad-sizes",
        ),
        pytest.param(
            [app(name="Gradio!"), app(upload_dir="/srv/b"), app(upload_dir="/srv/c")],
            None,
            {},
            [
                "upload_guard_apps[0].name: 'Gradio!' is not a valid app name; every app needs a unique name of "
                "lower case letters, digits, '-' or '_' (at most 32 characters)",
                "upload_guard_apps[2].name: 'gradio' is also the name of upload_guard_apps[1]; names must be unique",
                "upload_guard_apps[2].quarantine_dir (/var/lib/aiguard/quarantine/gradio) is the same directory as "
                "upload_guard_apps[1].quarantine_dir; upload, output and quarantine directories must be separate "
                "(retention would delete the quarantine, the scanner would judge outputs as uploads)",
            ],
            id="names",
        ),
        pytest.param(
            [app(service="gradio"), app(name="b", upload_dir="/srv/b", service="a b.service")],
            None,
            {},
            [
                "upload_guard_apps[0].service: got 'gradio'; a service is a systemd unit name ending in .service, "
                "such as aiguard-lab-gradio.service, or empty to leave the app's service alone",
                "upload_guard_apps[1].service: got 'a b.service'; a service is a systemd unit name ending in "
                ".service, such as aiguard-lab-gradio.service, or empty to leave the app's service alone",
            ],
            id="services",
        ),
        pytest.param(
            [app(owner="")],
            None,
            {},
            ["upload_guard_apps[0].owner: the user the app runs as; it owns the directories and must not be empty"],
            id="empty-owner",
        ),
        pytest.param(
            [app(upload_dir="/srv/a/../b", output_dir="/srv/a/", quarantine_dir="relative")],
            None,
            {},
            [
                f"upload_guard_apps[0].{key}: got {path!r}; a directory is an absolute, normalised path of "
                "A-Za-z0-9._~+@- (no '.', '..', '//' or trailing '/'), such as /srv/APP/uploads"
                for key, path in (
                    ("upload_dir", "/srv/a/../b"),
                    ("output_dir", "/srv/a/"),
                    ("quarantine_dir", "relative"),
                )
            ],
            id="unnormalised-directories",
        ),
        pytest.param(
            [app(upload_dir="/srv//a", output_dir="/srv/a b")],
            None,
            {},
            [
                f"upload_guard_apps[0].{key}: got {path!r}; a directory is an absolute, normalised path of "
                "A-Za-z0-9._~+@- (no '.', '..', '//' or trailing '/'), such as /srv/APP/uploads"
                for key, path in (("upload_dir", "/srv//a"), ("output_dir", "/srv/a b"))
            ],
            id="double-slash-and-space",
        ),
        pytest.param(
            [app(upload_dir="/srv")],
            None,
            {},
            [
                "upload_guard_apps[0].upload_dir: /srv is not below one of upload_guard_allowed_prefixes (/srv/, "
                "/var/lib/, /opt/, /home/, /data/, /mnt/); point it at the app's data, for example /srv/APP/uploads, "
                "or add its parent to upload_guard_allowed_prefixes"
            ],
            id="the-prefix-itself",
        ),
        pytest.param(
            [app(upload_dir="/var/log/app")],
            None,
            {"allowed_prefixes": ["/var/"]},
            [
                "upload_guard_apps[0].upload_dir: /var/log/app is under the system directory /var/log/, which no "
                "entry of upload_guard_allowed_prefixes opens up; point it at the app's data, for example "
                "/srv/APP/uploads"
            ],
            id="a-prefix-does-not-open-a-system-directory",
        ),
        pytest.param(
            [app(output_dir=UPLOADS)],
            None,
            {},
            [
                f"upload_guard_apps[0].output_dir ({UPLOADS}) is the same directory as "
                "upload_guard_apps[0].upload_dir; upload, output and quarantine directories must be separate "
                "(retention would delete the quarantine, the scanner would judge outputs as uploads)"
            ],
            id="output-is-upload",
        ),
        pytest.param(
            [app(upload_dir="/var/lib/aiguard/quarantine/up")],
            None,
            {},
            [
                "upload_guard_apps[0].upload_dir (/var/lib/aiguard/quarantine/up) is inside "
                "upload_guard_quarantine_root (/var/lib/aiguard/quarantine); upload, output and quarantine "
                "directories must be separate (retention would delete the quarantine, the scanner would judge outputs "
                "as uploads)"
            ],
            id="uploads-inside-quarantine-root",
        ),
        pytest.param(
            [app(quarantine_dir="/var/lib/aiguard/quarantine")],
            None,
            {},
            [
                "upload_guard_apps[0].quarantine_dir (/var/lib/aiguard/quarantine) is the same directory as "
                "upload_guard_quarantine_root; upload, output and quarantine directories must be separate (retention "
                "would delete the quarantine, the scanner would judge outputs as uploads)"
            ],
            id="quarantine-is-the-root",
        ),
        pytest.param(
            [app(), app(name="b", upload_dir=UPLOADS + "/b")],
            None,
            {},
            [
                f"upload_guard_apps[1].upload_dir ({UPLOADS}/b) is inside upload_guard_apps[0].upload_dir ({UPLOADS}); "
                "upload, output and quarantine directories must be separate (retention would delete the quarantine, "
                "the scanner would judge outputs as uploads)"
            ],
            id="across-apps",
        ),
        pytest.param(
            [app(action="delete", foo=1, retention_days="a week")],
            None,
            {},
            [
                "upload_guard_apps[0]: unknown key(s) foo; the keys are action, allowed_types, group, "
                "max_upload_size, name, nginx_site, output_dir, owner, quarantine_dir, retention_days, "
                "retention_max_size, service, upload_dir",
                "upload_guard_apps[0].action: must be one of: quarantine, report, got: delete",
                "upload_guard_apps[0].retention_days: is of type str and we were unable to convert to int: "
                "\"'a week'\" cannot be converted to an int",
            ],
            id="argument-spec-of-an-app",
        ),
        pytest.param(
            [{"name": "gradio"}, "gradio"],
            None,
            {},
            [
                "upload_guard_apps[0].owner: is required",
                "upload_guard_apps[0].upload_dir: is required",
                "upload_guard_apps[1] must be a dict of the keys in the role's README, not str",
            ],
            id="missing-keys-and-not-a-dict",
        ),
        pytest.param("gradio", None, {}, ["upload_guard_apps must be a list of apps, not str"], id="not-a-list"),
        pytest.param(
            [app()],
            None,
            {
                "dir_mode": "750x",
                "service_umask": "27",
                "scan_min_age": -1,
                "scan_interval": "every 15 minutes",
                "retention_schedule": "daily; rm",
                "max_upload_size": "big",
                "retention_max_size": "5 g",
            },
            [
                "upload_guard_dir_mode: got '750x'; use an octal mode such as \"0750\"",
                "upload_guard_service_umask: got '27'; use an octal umask such as \"0027\"",
                "upload_guard_scan_min_age: got -1; use 0 or more seconds",
                "upload_guard_scan_interval: got 'every 15 minutes'; use a systemd time span such as 15min or 1h",
                "upload_guard_retention_schedule: got 'daily; rm'; use a systemd OnCalendar value such as daily",
                "upload_guard_max_upload_size: 'big' is not an nginx size; use a number of bytes with k, m or g, "
                "such as 50m",
                "upload_guard_retention_max_size: '5 g' is not an nginx size; use a number of bytes with k, m or g, "
                "such as 50m",
            ],
            id="role-variables",
        ),
        pytest.param(
            [app()],
            None,
            {"scan_action": "delete", "scan_min_age": "soon"},
            [
                "upload_guard_scan_action: must be one of: quarantine, report, got: delete",
                "upload_guard_scan_min_age: is of type str and we were unable to convert to int: \"'soon'\" cannot "
                "be converted to an int",
            ],
            id="argument-spec-of-the-role-variables",
        ),
        pytest.param(
            [app()],
            None,
            {"allowed_prefixes": ["/srv", "/", "/srv/"]},
            [
                f"upload_guard_allowed_prefixes[{index}]: got {prefix!r}; a prefix is a normalised absolute "
                "directory ending in '/', such as /srv/ (not / itself)"
                for index, prefix in ((0, "/srv"), (1, "/"))
            ]
            + [
                "upload_guard_quarantine_root: /var/lib/aiguard/quarantine is not below one of "
                "upload_guard_allowed_prefixes (/srv/); point it at the app's data, for example /srv/APP/uploads, or "
                "add its parent to upload_guard_allowed_prefixes"
            ],
            id="prefixes",
        ),
    ],
)
def test_problems(apps, site, settings, expected):
    assert problems(apps, site, **settings) == expected


@pytest.mark.parametrize("setting", ["noexec_mount", "retention_dry_run"])
def test_a_bool_that_is_none(setting):
    # The validator lists the valid booleans in no fixed order: only the start is compared.
    [found] = problems([app()], **{setting: "maybe"})
    assert found.startswith(f"upload_guard_{setting}: is of type str and we were unable to convert to bool: ")
    assert "'maybe' is not a valid boolean" in found


def test_build_fails_with_every_problem_and_builds_nothing():
    with pytest.raises(uploadguard.UploadGuardError) as error:
        uploadguard.build([app(upload_dir="/etc/x", retention_days=0)], site_model())
    assert error.value.problems == problems([app(upload_dir="/etc/x", retention_days=0)])
    assert len(error.value.problems) == 2 and str(error.value) == "; ".join(error.value.problems)


def test_none_means_the_role_default():
    assert model([app()], retention_days=None, allowed_types=None) == model([app()])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: uploadguard.problems([], None, retention=3),
            "unknown setting(s) of the upload_guard model: retention",
        ),
        (lambda: uploadguard.build([], [STUDIO]), "sites must be the aiguard.hardening.site_model filter's dict"),
    ],
)
def test_programming_errors(call, message):
    with pytest.raises(TypeError) as error:
        call()
    assert message in str(error.value)


# ------------------------------------------------------------------ fstab entries


def findmnt(item, rc, stdout=""):
    return {"item": item, "rc": rc, "stdout": stdout}


@pytest.mark.parametrize(
    ("results", "own", "foreign"),
    [
        pytest.param([], [], [], id="none"),
        pytest.param([findmnt(UPLOADS, 1)], [], [], id="no-entry"),
        pytest.param([{"item": UPLOADS, "skipped": True}], [], [], id="skipped"),
        pytest.param(
            [findmnt(UPLOADS, 0, f"{UPLOADS} {UPLOADS} none bind,noexec,nosuid,nodev")], [UPLOADS], [], id="own"
        ),
        pytest.param([findmnt("/srv/a", 0, "/srv/a /srv/a none rw,bind")], ["/srv/a"], [], id="own-bind-last-option"),
        pytest.param(
            [findmnt("/srv/d", 0, "tmpfs /srv/d tmpfs defaults,size=1m")],
            [],
            ["tmpfs /srv/d tmpfs defaults,size=1m"],
            id="own-disk",
        ),
        pytest.param(
            [findmnt("/srv/a", 0, "/srv/other /srv/a none bind")], [], ["/srv/other /srv/a none bind"], id="other-bind"
        ),
        pytest.param(
            [findmnt("/srv/a", 0, "/srv/a /srv/a none bindx")], [], ["/srv/a /srv/a none bindx"], id="not-bind"
        ),
        pytest.param(
            [findmnt("/srv/a", 0, "/srv/a /srv/a none bind,noexec\nUUID=1 /srv/a ext4 defaults")],
            [],
            ["UUID=1 /srv/a ext4 defaults"],
            id="own-and-foreign",
        ),
        pytest.param(
            [findmnt("/srv/a", 0, "/srv/a /srv/a none bind"), findmnt("/srv/b", 0, "/dev/sdb1 /srv/b ext4 rw")],
            ["/srv/a"],
            ["/dev/sdb1 /srv/b ext4 rw"],
            id="two-directories",
        ),
    ],
)
def test_mounts(results, own, foreign):
    assert uploadguard.mounts(results) == {"own": own, "foreign": foreign}


# ------------------------------------------------------------------ one source of the defaults


def argument_spec():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def _comparable(option):
    keys = ("type", "elements", "default", "choices", "required")
    out = {key: option[key] for key in keys if key in option}
    if not out.get("required"):
        out.pop("required", None)
    return out


def test_argument_spec_suboptions_match_the_model():
    spec = argument_spec()["upload_guard_apps"]["options"]
    assert {name: _comparable(option) for name, option in spec.items()} == {
        name: _comparable(option) for name, option in uploadguard.APP_OPTIONS.items()
    }


@pytest.mark.parametrize("setting", sorted(uploadguard.MODEL_OPTIONS))
def test_role_defaults_match_the_model(setting):
    variable = f"upload_guard_{setting}"
    assert _comparable(argument_spec()[variable]) == _comparable(uploadguard.MODEL_OPTIONS[setting])
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert defaults[variable] == uploadguard.MODEL_OPTIONS[setting]["default"]


def test_every_role_variable_is_in_the_model():
    assert set(argument_spec()) == {"upload_guard_apps"} | {f"upload_guard_{key}" for key in uploadguard.MODEL_OPTIONS}
