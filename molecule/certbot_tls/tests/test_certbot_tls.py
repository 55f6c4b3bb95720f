"""certbot_tls, tested from another host the way browsers and the CA reach it.

The Pebble host is the CA and the client: it verifies the targets' chains
against the root Pebble signs with (read from its management API), offers
old TLS versions, and follows the HTTP side.
"""

from __future__ import annotations

import json
import re
import shlex
import time

import pytest

testinfra_group = "ai_apps"

CLIENT = "aiguard-certbot-tls-pebble"
ACME_HOSTS = ["aiguard-certbot-tls-bookworm", "aiguard-certbot-tls-trixie"]
SELFSIGNED = "aiguard-certbot-tls-selfsigned"
OWNCA = "aiguard-certbot-tls-ownca"
# The internal CA that prepare.yml makes on the client for the ownca target.
OWNCA_CA = "/etc/aiguard-test-ownca/ca.crt"
ROOT = "/tmp/pebble-root.pem"
# A current desktop browser: curl's own user agent is dropped by nginx_auth's bot filter.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CA_BUNDLE = "/etc/letsencrypt/aiguard-acme-ca.pem"
PEBBLE_DIR = f"https://{CLIENT}.dns.podman:14000/dir"


def fqdn(host):
    return f"{host}.dns.podman"


@pytest.fixture(scope="module")
def client(host_of):
    cli = host_of(CLIENT)
    # Pebble makes a new root at each start; read the one it signs with now.
    cli.check_output(f"curl -sSf --cacert /etc/pebble/api-ca.crt https://localhost:15000/roots/0 -o {ROOT}")
    return cli


def s_client(client, target, *opts):
    name = fqdn(target)
    cmd = (
        f"echo | timeout 20 openssl s_client -connect {name}:443 -servername {name} "
        + " ".join(shlex.quote(o) for o in opts)
        + " 2>&1"
    )
    return client.run(cmd)


def served_serial(client, target):
    out = client.check_output(
        f"echo | timeout 20 openssl s_client -connect {fqdn(target)}:443 -servername {fqdn(target)} 2>/dev/null"
        " | openssl x509 -noout -serial"
    )
    return out.strip()


def acme_only(node):
    if node.backend.hostname not in ACME_HOSTS:
        pytest.skip("ACME host test")


def curl(client, url, *opts):
    cmd = [
        "curl",
        "-sS",
        "--max-time",
        "20",
        "-A",
        BROWSER,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        *opts,
        url,
    ]
    return client.check_output(" ".join(shlex.quote(c) for c in cmd)).strip()


# ------------------------------------------------------------------ TLS from outside


@pytest.mark.parametrize("target", ACME_HOSTS)
def test_chain_validates_against_pebbles_root(client, target):
    out = s_client(client, target, "-CAfile", ROOT, "-verify_return_error", "-verify_hostname", fqdn(target))
    assert out.rc == 0, out.stdout
    assert "Verify return code: 0 (ok)" in out.stdout


@pytest.mark.parametrize("target", [*ACME_HOSTS, SELFSIGNED, OWNCA])
@pytest.mark.parametrize(
    ("version", "accepted"), [("-tls1_3", True), ("-tls1_2", True), ("-tls1_1", False), ("-tls1", False)]
)
def test_only_tls_12_and_13(client, target, version, accepted):
    # SECLEVEL=0 lets the client offer TLS 1.0/1.1 at all: the refusal must come from the server.
    out = s_client(client, target, version, "-cipher", "DEFAULT@SECLEVEL=0")
    if accepted:
        # "New, TLSv1.3, Cipher is ...": the session line (no "Protocol :" block when tickets are off).
        found = re.search(r"^New, (TLSv1\.[0-3]), Cipher is", out.stdout, re.M)
        assert out.rc == 0 and found and found.group(1) == "TLSv1." + version[-1], out.stdout
    else:
        # The ClientHello went out and the server answered with a protocol_version alert
        # (not a client that refused to offer the version in the first place).
        assert out.rc != 0 and "alert protocol version" in out.stdout, out.stdout


@pytest.mark.parametrize("target", ACME_HOSTS)
def test_site_is_served_over_https(client, target):
    name = fqdn(target)
    # nginx_auth's own robots.txt and basic auth, now behind TLS.
    assert curl(client, f"https://{name}/robots.txt", "--cacert", ROOT) == "200"
    assert curl(client, f"https://{name}/", "--cacert", ROOT) == "401"


@pytest.mark.parametrize("target", [*ACME_HOSTS, SELFSIGNED, OWNCA])
def test_http_redirects_to_https(client, target):
    name = fqdn(target)
    assert curl(client, f"http://{name}/some/page?x=1") == f"301 https://{name}/some/page?x=1"


@pytest.mark.parametrize("target", ACME_HOSTS)
def test_acme_path_stays_on_http(client, host_of, target):
    node = host_of(target)
    probe = "/var/www/aiguard-acme/.well-known/acme-challenge/aiguard-probe"
    node.check_output(f"mkdir -p {probe.rsplit('/', 1)[0]} && echo probe-token > {probe}")
    try:
        body = client.check_output(
            f"curl -sS --max-time 20 http://{fqdn(target)}/.well-known/acme-challenge/aiguard-probe"
        )
        assert body.strip() == "probe-token"
        # Without auth and without redirect: what the CA's validator needs.
        assert curl(client, f"http://{fqdn(target)}/.well-known/acme-challenge/missing") == "404"
    finally:
        node.run(f"rm -f {probe}")


def test_selfsigned_is_labelled_and_verifies_against_itself(client, host_of):
    cert = host_of(SELFSIGNED).file("/etc/ssl/aiguard/studio/fullchain.pem").content_string
    client.run(f"cat > /tmp/selfsigned.pem <<'EOF'\n{cert}EOF")
    out = s_client(client, SELFSIGNED, "-CAfile", "/tmp/selfsigned.pem", "-verify_return_error")
    assert out.rc == 0, out.stdout
    assert "aiguard.hardening self-signed" in out.stdout
    # And it is not mistaken for a public certificate.
    assert s_client(client, SELFSIGNED, "-verify_return_error").rc != 0


# ------------------------------------------------------------------ on the hosts


def test_certificate_paths_point_into_the_lineage(node):
    acme_only(node)
    for name in ("fullchain.pem", "privkey.pem", "chain.pem"):
        target = node.check_output(f"readlink /etc/ssl/aiguard/studio/{name}").strip()
        assert target == f"/etc/letsencrypt/live/studio/{name}"
    assert node.file("/etc/letsencrypt/renewal/studio.conf").exists
    assert not node.file("/etc/letsencrypt/renewal/studio-0001.conf").exists


def test_issued_once(node):
    # converge, check and idempotence ran; only the first contacted the CA (before the
    # renewal tests below add a second version to the lineage).
    acme_only(node)
    assert node.check_output("ls /etc/letsencrypt/archive/studio").split() == [
        "cert1.pem",
        "chain1.pem",
        "fullchain1.pem",
        "privkey1.pem",
    ]


def test_certbot_timer_is_the_only_renewal(node):
    acme_only(node)
    assert node.run("systemctl is-active certbot.timer").stdout.strip() == "active"
    assert node.run("systemctl is-enabled certbot.timer").stdout.strip() == "enabled"
    env = node.check_output("systemctl show certbot.service -p Environment")
    assert f"REQUESTS_CA_BUNDLE={CA_BUNDLE}" in env
    # Debian's cron.d file stands down on systemd hosts; the role adds no job.
    crontabs = node.run("grep -rl certbot /etc/cron* /var/spool/cron 2>/dev/null").stdout.split()
    assert crontabs in ([], ["/etc/cron.d/certbot"]), crontabs


def test_timer_service_renews_nothing_when_nothing_is_due(node):
    acme_only(node)
    out = node.run("systemctl start certbot.service")
    assert out.rc == 0, node.run("journalctl -u certbot.service -n 30 --no-pager").stdout
    assert node.run("systemctl show certbot.service -p Result").stdout.strip() == "Result=success"


def test_renew_dry_run_against_pebble(node):
    acme_only(node)
    # --server on the command line: without it, certbot's --dry-run swaps the lineage's
    # ACME directory for Let's Encrypt staging (seen with certbot 2.1).
    out = node.run(
        f"REQUESTS_CA_BUNDLE={CA_BUNDLE} certbot renew --dry-run --no-random-sleep-on-renew --server {PEBBLE_DIR}"
    )
    assert out.rc == 0, out.stdout + out.stderr
    assert "simulated renewal" in (out.stdout + out.stderr).lower() or "succeeded" in (out.stdout + out.stderr)


def test_renewal_runs_the_deploy_hook_and_nginx_serves_the_new_certificate(node, client):
    acme_only(node)
    target = node.backend.hostname
    before = served_serial(client, target)
    out = node.run(f"REQUESTS_CA_BUNDLE={CA_BUNDLE} certbot renew --force-renewal --no-random-sleep-on-renew")
    assert out.rc == 0, out.stdout + out.stderr
    assert "aiguard-certbot" in node.check_output("journalctl -t aiguard-certbot --no-pager -n 5")
    # Old workers finish their connections after a reload; new ones serve the new certificate.
    for _attempt in range(20):
        if served_serial(client, target) != before:
            break
        time.sleep(0.5)
    assert served_serial(client, target) != before


# ------------------------------------------------------------------ the role's runs


def test_check_mode_reports_no_change(converge_check):
    assert converge_check.changed == {}, converge_check.output
    assert converge_check.failed == {}, converge_check.output


def test_expiry_audit_fails_in_check_mode(converge):
    # Pebble issues for five years; a 5000-day threshold makes every certificate "about to expire".
    # The report's tasks alone, as a quick audit runs them: --check --tags certbot_tls_report.
    recap = converge(
        "--check",
        "--tags",
        "certbot_tls_report",
        "-e",
        json.dumps(
            {
                "certbot_tls_expiry_fail_days": 5000,
                "certbot_tls_renew_before_days": 5000,
                "certbot_tls_selfsigned_days": 5001,
            }
        ),
    )
    assert recap.rc != 0
    assert set(recap.failed) >= set(ACME_HOSTS), recap.output
    assert "expiring within certbot_tls_expiry_fail_days" in recap.output


def test_unresolvable_name_fails_with_the_cas_reason_and_keeps_the_certificate(converge, client):
    target = ACME_HOSTS[0]
    before = served_serial(client, target)
    sites = [
        {
            "name": "studio",
            "server_names": ["{{ inventory_hostname }}.dns.podman", "nowhere.invalid"],
            "default_server": True,
            "upstream": "127.0.0.1:7860",
            "tls": True,
        }
    ]
    # The Pebble host stays in the run: the converge reads its API's CA first.
    limit = f"{target},{CLIENT}"
    recap = converge("--limit", limit, "-e", json.dumps({"nginx_auth_sites": sites}))
    assert recap.rc != 0 and target in recap.failed, recap.output
    assert "could not reissue certificate studio" in recap.output
    assert "nowhere.invalid" in recap.output
    assert served_serial(client, target) == before
    # No converge back: the tests after this one do not need the target's own sites.


def test_bad_variable_changes_nothing(converge, host_of):
    # A whole run: nginx_auth applies its own (valid) part first; certbot_tls's preflight
    # stops before any certificate or nginx configuration changes. Every check and
    # message of the preflight is a unit test (tests/unit/plugins/module_utils/test_certbot_tls.py).
    # The other ACME host: the test above left the first with a site of its own.
    node = host_of(ACME_HOSTS[1])
    state = (
        "readlink -f /etc/ssl/aiguard/studio/fullchain.pem; ls /etc/letsencrypt/renewal;"
        " readlink /etc/nginx/aiguard/active; find /etc/nginx/aiguard/active/ -type f -exec sha256sum {} + | sort"
    )
    before = node.check_output(state)
    bad = {"certbot_tls_webroot": "/srv/elsewhere"}
    message = "http-01 needs nginx_auth_acme_webroot set to certbot_tls_webroot"
    recap = converge("--limit", f"{ACME_HOSTS[1]},{CLIENT}", "-e", json.dumps(bad))
    assert recap.rc != 0 and ACME_HOSTS[1] in recap.failed and message in recap.output, recap.output
    assert node.check_output(state) == before


def test_internal_ca_mode_with_rsa_keys(client, host_of):
    # The ownca target (group_vars/ownca_sites.yml): the chain validates against the
    # internal CA alone, and nginx serves the RSA key of the size asked for.
    out = s_client(client, OWNCA, "-CAfile", OWNCA_CA, "-verify_return_error", "-verify_hostname", fqdn(OWNCA))
    assert out.rc == 0 and "Verify return code: 0 (ok)" in out.stdout, out.stdout
    assert "aiguard.hardening internal CA" in out.stdout
    assert re.search(r"Server public key is 3072 bit|Peer signature type: RSA", out.stdout), out.stdout
    chain = host_of(OWNCA).file("/etc/ssl/aiguard/studio/chain.pem").content_string.strip()
    assert chain == client.file(OWNCA_CA).content_string.strip()


def test_internal_ca_host_switches_to_selfsigned(converge, client):
    # A change of mode on a converged host (the scenario's last test: the host stays self-signed).
    recap = converge("--limit", f"{OWNCA},{CLIENT}", "-e", json.dumps({"certbot_tls_mode": "selfsigned"}))
    assert recap.rc == 0, recap.output
    out = s_client(client, OWNCA)
    assert "aiguard.hardening self-signed" in out.stdout, out.stdout
    assert s_client(client, OWNCA, "-CAfile", OWNCA_CA, "-verify_return_error").rc != 0
