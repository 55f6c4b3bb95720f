"""Smoke: the test hosts are real systemd hosts running the lab AI apps."""

from __future__ import annotations

import json

testinfra_group = "ai_apps"

LAB_KEY = "sk-lab-aiguard-demo-key"


def test_systemd_is_pid1_and_running(node):
    assert node.run("cat /proc/1/comm").stdout.strip() == "systemd"
    state = node.run("systemctl is-system-running").stdout.strip()
    failed = node.run("systemctl --failed --no-legend --plain").stdout
    assert state == "running", failed


def test_debian_release(node, hostvars):
    release = node.system_info.release
    codename = node.system_info.codename
    assert node.system_info.distribution == "debian"
    assert (codename, release.split(".")[0]) in {("bookworm", "12"), ("trixie", "13")}, (codename, release)


def test_lab_services_active(node):
    for unit in ("aiguard-lab-gradio.service", "aiguard-lab-apiproxy.service"):
        svc = node.service(unit)
        assert svc.is_enabled and svc.is_running, unit
        assert node.run(f"systemctl show -p User --value {unit}").stdout.strip() == "aiapp"


def test_gradio_app_answers_on_loopback(node):
    page = node.run("curl -fsS http://127.0.0.1:7860/")
    assert page.rc == 0, page.stderr
    assert "gradio" in page.stdout.lower()
    config = json.loads(node.check_output("curl -fsS http://127.0.0.1:7860/config"))
    assert config["title"] == "Digital human studio (lab)"
    # A real upload through Gradio's upload endpoint lands in the upload dir.
    node.check_output("head -c 4096 /dev/urandom > /tmp/smoke-upload.bin")
    stored = json.loads(
        node.check_output("curl -fsS -F files=@/tmp/smoke-upload.bin http://127.0.0.1:7860/gradio_api/upload")
    )
    assert stored[0].startswith("/srv/aiguard-lab/gradio/uploads/")
    assert node.file(stored[0]).size == 4096


def test_gradio_streams_queued_output(node):
    """A queued job streams its progress over server-sent events."""
    script = r"""
set -e
base=http://127.0.0.1:7860/gradio_api
python3 -c "
import wave
with wave.open('/tmp/v.wav', 'wb') as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000); w.writeframes(bytes(1600))"
echo iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg== |
  base64 -d > /tmp/p.png
img=$(curl -fsS -F files=@/tmp/p.png $base/upload | python3 -c 'import json,sys;print(json.load(sys.stdin)[0])')
voice=$(curl -fsS -F files=@/tmp/v.wav $base/upload | python3 -c 'import json,sys;print(json.load(sys.stdin)[0])')
payload=$(python3 -c '
import json, sys
files = [{"path": path, "meta": {"_type": "gradio.FileData"}} for path in sys.argv[1:]]
print(json.dumps({"data": [*files, "hello lab"]}))' "$img" "$voice")
event=$(curl -fsS -H 'Content-Type: application/json' -d "$payload" $base/call/predict |
  python3 -c 'import json,sys;print(json.load(sys.stdin)["event_id"])')
curl -fsS -N --max-time 60 $base/call/predict/$event
"""
    out = node.run(script)
    assert out.rc == 0, out.stdout + out.stderr
    assert out.stdout.count("event: generating") >= 3, out.stdout
    assert "event: complete" in out.stdout and "done" in out.stdout, out.stdout


def test_api_proxy_needs_its_key(node):
    url = "http://127.0.0.1:3002"
    assert node.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' {url}/health") == "200"
    assert node.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' {url}/v1/models") == "401"
    assert (
        node.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' -H 'Authorization: Bearer wrong' {url}/v1/models")
        == "401"
    )
    models = json.loads(node.check_output(f"curl -fsS -H 'Authorization: Bearer {LAB_KEY}' {url}/v1/models"))
    assert models["data"][0]["id"] == "lab-echo-1"


def test_lab_apps_are_exposed_as_deployed_in_the_wild(node):
    """The lab starts from the insecure default the roles exist to fix."""
    listening = node.check_output("ss -Hltn")
    assert "0.0.0.0:7860" in listening and "0.0.0.0:3002" in listening


def test_check_mode_on_converged_host_reports_no_change(converge_check):
    assert not converge_check.failed, converge_check.output
    assert not converge_check.changed, converge_check.output
