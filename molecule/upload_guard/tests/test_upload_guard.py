"""upload_guard on a lab app host: what reaches the upload directory, what stays, what goes, and when."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import pytest

testinfra_group = "ai_apps"

UPLOADS = "/srv/aiguard-lab/gradio/uploads"
OUTPUTS = "/srv/aiguard-lab/gradio/outputs"
QUARANTINE = "/var/lib/aiguard/quarantine/gradio"
SHELL = "<?php system($_GET['c']); ?>"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
# Real media shipped with Gradio in the lab image.
ASSETS = "/opt/aiguard-lab/venv/lib/python3*/site-packages/gradio/media_assets"
LIB = "/usr/local/lib/aiguard"
PYZ = f"{LIB}/aiguard-upload-scan.pyz"
COMMAND = "/usr/local/sbin/aiguard-upload-scan"
# The collection as Ansible finds it (scripts/bootstrap.sh links the checkout there).
COLLECTIONS = Path(__file__).resolve().parents[3] / ".cache" / "collections"


def sh(node, command):
    return node.run(f"sh -c {shlex.quote(command)}")


def as_aiapp(node, command):
    out = node.run(f"runuser -u aiapp -- sh -c {shlex.quote(command)}")
    assert out.rc == 0, out.stderr
    return out


def records(node):
    """Quarantine records (in quarantine or released) by original path."""
    script = (
        "import glob, json; print(json.dumps([json.load(open(p)) for p in sorted(glob.glob("
        f"{QUARANTINE + '/*.json'!r}))]))"
    )
    out = node.run(f"python3 -c {shlex.quote(script)}")
    assert out.rc == 0, out.stderr
    return {r["original_path"]: r for r in json.loads(out.stdout)}


def wait_for(predicate, timeout=30):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def test_directories(node):
    for path in (UPLOADS, OUTPUTS):
        d = node.file(path)
        assert d.is_directory and d.user == "aiapp" and d.group == "aiapp" and d.mode == 0o750
    q = node.file(QUARANTINE)
    assert q.user == "root" and q.mode == 0o700
    assert node.file("/var/lib/aiguard/quarantine").mode == 0o700


def this_checkouts_zipapp():
    """(sha256, entries) of the zipapp the controller builds from this checkout."""
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))
    from ansible_collections.aiguard.hardening.plugins.plugin_utils import zipapp

    data, entries = zipapp.upload_scan_zipapp()
    return zipapp.sha256(data), entries


def zip_entries(node, path):
    script = f"import json, zipfile; print(json.dumps(zipfile.ZipFile({path!r}).namelist()))"
    return json.loads(node.check_output(f"python3 -c {shlex.quote(script)}"))


def test_the_scanner_is_one_zipapp(node):
    # One file, the very zipapp this checkout builds, and the command runs it.
    assert node.check_output(f"ls -A {LIB}").split() == ["aiguard-upload-scan.pyz"]
    pyz = node.file(PYZ)
    assert pyz.is_file and pyz.user == "root" and pyz.group == "root" and pyz.mode == 0o644
    checksum, entries = this_checkouts_zipapp()
    assert node.check_output(f"sha256sum {PYZ}").split()[0] == checksum
    assert zip_entries(node, PYZ) == entries
    assert "uploadscan/cli.py" in entries and "__main__.py" in entries
    assert f"python3 -I {PYZ}" in node.file(COMMAND).content_string
    assert "usage: aiguard-upload-scan" in node.check_output(f"{COMMAND} --help")
    node.check_output(f"{COMMAND} check-config /etc/aiguard/upload-scan.json")
    node.check_output(f"cd / && python3 {PYZ} check-config /etc/aiguard/upload-retention.json")


def test_uploads_cannot_run(node):
    opts = node.check_output(f"findmnt -no OPTIONS {UPLOADS}").split(",")
    assert {"noexec", "nosuid", "nodev"} <= set(opts)
    assert f"{UPLOADS} {UPLOADS} none bind,noexec,nosuid,nodev" in node.file("/etc/fstab").content_string
    # Copied and run at once, before any scan: the kernel refuses.
    out = sh(node, f"cp /bin/true {UPLOADS}/run-me && chmod 755 {UPLOADS}/run-me && {UPLOADS}/run-me")
    assert out.rc == 126, (out.rc, out.stderr)
    sh(node, f"rm -f {UPLOADS}/run-me")


def test_app_service_umask(node):
    assert node.check_output("systemctl show -p UMask --value aiguard-lab-gradio.service") == "0027"


def test_units_are_armed(node):
    for unit in ("aiguard-upload-watch.service", "aiguard-upload-scan.timer", "aiguard-upload-retention.timer"):
        assert node.service(unit).is_enabled
        assert node.check_output(f"systemctl is-active {unit}") == "active"
    # The path unit of earlier releases saw only the top directories; it is gone.
    assert node.run("systemctl cat aiguard-upload-scan.path").rc != 0


def test_web_shell_is_quarantined_within_seconds_and_real_media_stays(node):
    as_aiapp(
        node,
        f"cp {ASSETS}/videos/a.mp4 {UPLOADS}/portrait.mp4 && cp {ASSETS}/audio/audio_sample.wav {UPLOADS}/voice.wav",
    )
    as_aiapp(node, f"printf %s {shlex.quote(SHELL)} > {UPLOADS}/avatar.php.mp4")
    took = wait_for(lambda: not node.file(f"{UPLOADS}/avatar.php.mp4").exists, timeout=30)
    assert took is not None, node.check_output("journalctl -u aiguard-upload-scan --no-pager | tail -20")
    assert took < 15
    record = records(node)[f"{UPLOADS}/avatar.php.mp4"]
    assert record["verdict"] == "executable" and record["detected_type"] == "php"
    assert "PHP code" in record["reason"] and record["quarantined_at"]
    data = node.file(record["data"])
    assert data.user == "root" and data.mode == 0o400 and data.content_string == SHELL
    assert node.check_output(f"sha256sum {record['data']}").split()[0] == record["sha256"]
    # A full scan, run to completion: the real MP4 and WAV stay.
    node.check_output("systemctl start aiguard-upload-scan.service")
    assert node.file(f"{UPLOADS}/portrait.mp4").exists and node.file(f"{UPLOADS}/voice.wav").exists
    log = node.check_output("journalctl -u aiguard-upload-scan --no-pager")
    assert f"executable: {UPLOADS}/avatar.php.mp4" in log


def test_a_file_written_into_an_existing_subdirectory_is_quarantined_within_seconds(node):
    # The watcher follows every directory below the upload root; a path unit
    # saw only the root, and this file waited for the 15-minute backstop.
    as_aiapp(node, f"mkdir -p {UPLOADS}/alice/2026")
    time.sleep(3)  # the scan the new directories started has finished
    target = f"{UPLOADS}/alice/2026/avatar.php.png"
    as_aiapp(node, f"printf %s {shlex.quote(SHELL)} > {target}")
    took = wait_for(lambda: target in records(node), timeout=40)
    assert took is not None, node.check_output(
        "journalctl -u aiguard-upload-watch -u aiguard-upload-scan --no-pager | tail -20"
    )
    assert not node.file(target).exists
    sh(node, f"rm -rf {UPLOADS}/alice")


def test_release_restores_a_file(node):
    record = records(node).get(f"{UPLOADS}/avatar.php.mp4")
    if record is None:
        pytest.skip("nothing quarantined (the quarantine test failed)")
    node.check_output(f"aiguard-upload-scan release {record['id']} --quarantine-dir {QUARANTINE}")
    back = node.file(f"{UPLOADS}/avatar.php.mp4")
    assert back.content_string == SHELL and back.user == "aiapp" and not back.mode & 0o111
    assert node.file(f"{QUARANTINE}/{record['id']}.released.json").exists
    # Released by a person: later scans leave it where it is.
    time.sleep(4)
    node.check_output("systemctl start aiguard-upload-scan.service")
    assert back.exists
    sh(node, f"rm -f {UPLOADS}/avatar.php.mp4")


def curl_upload(node, path, size):
    node.check_output(f"head -c {size} /dev/urandom > {path}")
    return sh(
        node,
        f"curl -s -o /dev/null -w '%{{http_code}}' -u alice:alice-lab-password -A {shlex.quote(BROWSER)} "
        f"-H 'Host: studio.lab.test' -F files=@{path} http://127.0.0.1/gradio_api/upload",
    ).stdout


def test_upload_size_limit_through_nginx(node):
    assert curl_upload(node, "/tmp/big.bin", 2 * 1024 * 1024) == "413"
    assert curl_upload(node, "/tmp/small.bin", 100 * 1024) == "200"
    config = json.loads(node.file("/etc/aiguard/upload-scan.json").content_string)
    assert config["directories"][0]["max_size"] == "1m"


def test_web_shell_uploaded_through_gradio_is_quarantined(node):
    """End to end: nginx, Gradio writes it into a new subdirectory, the path unit fires, the scan settles."""
    node.check_output(f"printf %s {shlex.quote(SHELL)} > /tmp/avatar.php.mp4")
    status = sh(
        node,
        f"curl -s -u alice:alice-lab-password -A {shlex.quote(BROWSER)} -H 'Host: studio.lab.test' "
        f"-F files=@/tmp/avatar.php.mp4 http://127.0.0.1/gradio_api/upload",
    ).stdout
    [stored] = json.loads(status)
    assert stored.startswith(UPLOADS + "/")
    took = wait_for(lambda: stored in records(node), timeout=40)
    assert took is not None, node.check_output("journalctl -u aiguard-upload-scan --no-pager | tail -20")
    assert not node.file(stored).exists


def test_retention_deletes_aged_files_and_logs_them(node):
    # Real WAVs: the scanner, woken by the new files, must leave them to retention.
    as_aiapp(
        node,
        f"mkdir -p {UPLOADS}/old && cp {ASSETS}/audio/audio_sample.wav {UPLOADS}/old/voice.wav"
        f" && cp {ASSETS}/audio/audio_sample.wav {OUTPUTS}/old.wav"
        f" && cp {ASSETS}/audio/audio_sample.wav {OUTPUTS}/fresh.wav"
        f" && touch -d '10 days ago' {UPLOADS}/old/voice.wav {OUTPUTS}/old.wav",
    )
    node.check_output("systemctl start aiguard-upload-retention.service")
    assert not node.file(f"{OUTPUTS}/old.wav").exists and not node.file(f"{UPLOADS}/old/voice.wav").exists
    assert not node.file(f"{UPLOADS}/old").exists
    assert node.file(f"{OUTPUTS}/fresh.wav").exists and node.file(f"{UPLOADS}/portrait.mp4").exists
    log = node.check_output("journalctl -u aiguard-upload-retention --no-pager")
    assert f"deleted {OUTPUTS}/old.wav" in log and "older than 7 days" in log


def test_check_mode_reports_no_change(converge_check):
    assert converge_check.rc == 0, converge_check.output
    assert not converge_check.changed, converge_check.output


def test_noexec_mount_turned_off_and_on_again(converge, hosts_in, host_of):
    # On hosts that have the mount: off unmounts it and forgets it in fstab,
    # the files stay where they are (the mount is the directory onto itself),
    # a second run changes nothing; on again mounts it as before.
    nodes = [host_of(name) for name in hosts_in("ai_apps")]
    for node in nodes:
        as_aiapp(node, f"cp {ASSETS}/images/lion.jpg {UPLOADS}/kept.jpg")
    off = ("--tags", "upload_guard_directories", "-e", json.dumps({"upload_guard_noexec_mount": False}))
    recap = converge(*off)
    assert recap.rc == 0 and set(recap.changed) == set(hosts_in("ai_apps")), recap.output
    for node in nodes:
        assert node.run(f"findmnt -n {UPLOADS}").rc != 0
        assert f"{UPLOADS} {UPLOADS}" not in node.file("/etc/fstab").content_string
        assert node.file(f"{UPLOADS}/kept.jpg").exists
    recap = converge(*off)
    assert recap.rc == 0 and not recap.changed, recap.output
    recap = converge("--tags", "upload_guard_directories")
    assert recap.rc == 0, recap.output
    for node in nodes:
        assert {"noexec", "nosuid", "nodev"} <= set(node.check_output(f"findmnt -no OPTIONS {UPLOADS}").split(","))
        assert f"{UPLOADS} {UPLOADS} none bind,noexec,nosuid,nodev" in node.file("/etc/fstab").content_string
        assert node.file(f"{UPLOADS}/kept.jpg").exists
        sh(node, f"rm -f {UPLOADS}/kept.jpg")


def test_preflight_refuses_to_replace_an_fstab_entry(converge, hosts_in, host_of):
    # An upload directory with an fstab entry of its own (its own disk): the
    # noexec bind mount would replace that entry, so preflight stops first.
    nodes = [host_of(name) for name in hosts_in("ai_apps")]
    line = "tmpfs /srv/aiguard-lab/disk tmpfs defaults,size=1m 0 0"
    for node in nodes:
        sh(node, f"cp -p /etc/fstab /etc/fstab.before-test && echo {shlex.quote(line)} >> /etc/fstab")
    try:
        app = {"name": "gradio", "owner": "aiapp", "upload_dir": "/srv/aiguard-lab/disk"}
        recap = converge("--tags", "upload_guard_preflight", "-e", json.dumps({"upload_guard_apps": [app]}))
        assert recap.rc != 0 and set(recap.failed) == set(hosts_in("ai_apps")), recap.output
        assert "has an entry of its own for tmpfs /srv/aiguard-lab/disk tmpfs" in recap.output, recap.output
    finally:
        for node in nodes:
            sh(node, "mv /etc/fstab.before-test /etc/fstab")


def test_preflight_stops_bad_input_before_any_change(converge, hosts_in, host_of):
    # The whole play, as a user runs it, with one bad entry among good ones:
    # preflight names it and nothing on the host changes (each check of the
    # variables has a unit test in tests/unit/plugins/module_utils/test_uploadguard.py).
    nodes = {name: host_of(name) for name in hosts_in("ai_apps")}
    before = {name: node.check_output("sha256sum /etc/aiguard/upload-scan.json") for name, node in nodes.items()}
    app = {
        "name": "gradio",
        "owner": "aiapp",
        "upload_dir": UPLOADS,
        "output_dir": OUTPUTS,
        "service": "aiguard-lab-gradio.service",
        "nginx_site": "studio",
        "allowed_types": ["png", "exe"],
    }
    recap = converge("-e", json.dumps({"upload_guard_apps": [app]}))
    assert recap.rc != 0 and set(recap.failed) == set(nodes), recap.output
    assert not recap.changed, recap.output
    assert "upload_guard: fix these variables (nothing on the host has changed):" in recap.output, recap.output
    assert "upload_guard_apps[0].allowed_types[1]: 'exe' is not a content type the scanner knows" in recap.output
    for name, node in nodes.items():
        assert node.check_output("sha256sum /etc/aiguard/upload-scan.json") == before[name]


# The command of the releases that installed the scanner as a package.
OLD_COMMAND = (
    '#!/bin/sh\ncd / && exec /usr/bin/python3 -I -B -c \'import sys; sys.path.insert(0, "/usr/local/lib/aiguard"); '
    'from uploadscan.cli import cli; sys.exit(cli())\' "$@"\n'
)
OLD_PATH_UNIT = (
    "[Unit]\nDescription=aiguard: scan upload directories when they change\n\n"
    f"[Path]\nPathChanged={UPLOADS}\nUnit=aiguard-upload-scan.service\n\n[Install]\nWantedBy=paths.target\n"
)


def test_upgrade_from_the_package_layout_replaces_it(converge, hosts_in, host_of):
    # A host as earlier releases left it: the package directory (the same
    # code, unpacked), the single file of the releases before, the command
    # that ran the package, no zipapp, and the path unit that watched only
    # the top directories, running.
    nodes = [host_of(name) for name in hosts_in("ai_apps")]
    unpack = (
        f"import zipfile; z = zipfile.ZipFile({PYZ!r}); "
        f"z.extractall({LIB!r}, [n for n in z.namelist() if n.startswith('uploadscan/')])"
    )
    for node in nodes:
        node.check_output(f"python3 -c {shlex.quote(unpack)}")
        node.check_output(f"echo '# the single-file scanner' > {LIB}/uploadscan.py && rm {PYZ}")
        node.check_output(f"printf %s {shlex.quote(OLD_COMMAND)} > {COMMAND}")
        node.check_output(f"printf %s {shlex.quote(OLD_PATH_UNIT)} > /etc/systemd/system/aiguard-upload-scan.path")
        node.check_output("systemctl daemon-reload && systemctl enable --now aiguard-upload-scan.path")
        assert "usage: aiguard-upload-scan" in node.check_output(f"{COMMAND} --help")
        assert sorted(node.check_output(f"ls -A {LIB}").split()) == ["uploadscan", "uploadscan.py"]
    # upload_guard's part of the play: nginx_auth in front has nothing to do with the upgrade.
    recap = converge("--tags", "upload_guard")
    assert recap.rc == 0 and set(recap.changed) == set(hosts_in("ai_apps")), recap.output
    checksum = this_checkouts_zipapp()[0]
    for node in nodes:
        assert node.check_output(f"ls -A {LIB}").split() == ["aiguard-upload-scan.pyz"]
        assert node.check_output(f"sha256sum {PYZ}").split()[0] == checksum
        assert f"python3 -I {PYZ}" in node.file(COMMAND).content_string
        node.check_output("systemctl start aiguard-upload-scan.service aiguard-upload-retention.service")
        assert node.run("systemctl is-active aiguard-upload-scan.path").stdout.strip() == "inactive"
        assert not node.file("/etc/systemd/system/aiguard-upload-scan.path").exists
        assert not node.file("/etc/systemd/system/paths.target.wants/aiguard-upload-scan.path").exists
        assert node.check_output("systemctl is-active aiguard-upload-watch.service") == "active"
    # Upgraded once: the next run changes nothing.
    recap = converge("--tags", "upload_guard")
    assert recap.rc == 0 and not recap.changed, recap.output
