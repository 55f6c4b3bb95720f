# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collector's forwards in its rsyslog file, rendered as the role does.

The scenario checks the same file with a real ``rsyslogd -N1``; these tests
pin what each type puts in it.
"""

from __future__ import annotations

import re

import pytest
from test_log_shipping_templates import render

ES = {"type": "elasticsearch", "servers": ["https://es1.lab.test:9200", "https://es2.lab.test:9200"]}
GELF = {"type": "gelf", "host": "graylog.lab.test"}
LOKI = {"type": "loki", "url": "https://loki.lab.test:3100", "labels": {"env": "lab"}}


def collector(*forwards, **settings):
    return render(
        "collector.conf.j2", client=False, collector=True, collectors=[], collector_forwards=list(forwards), **settings
    )


def action(text, name):
    """The action(...) statement of forward NAME."""
    match = re.search(rf'action\(type="\w+" name="aiguard_fwd_{name}".*?\)\n', text, re.S)
    assert match, text
    return match.group(0)


def test_no_forwards_no_forward_ruleset():
    text = collector()
    assert "aiguard_forward" not in text
    assert "mmjsonparse" not in text


@pytest.mark.parametrize("forward", [ES, GELF, LOKI])
def test_every_forward_has_its_own_disk_queue_that_never_blocks_storing(forward):
    text = collector(forward, {**forward, "name": "second", "queue_max_disk_space": "64M"})
    assert "  call aiguard_forward\n}" in text
    assert 'action(type="mmjsonparse" name="aiguard_fwd_parse" cookie="" container="$!aiguard")' in text
    assert "set $!aiguard!peer = $fromhost-ip;" in text
    first, second = action(text, forward["type"]), action(text, "second")
    assert f'queue.type="LinkedList" queue.filename="aiguard_fwd_{forward["type"]}"' in first
    assert 'queue.filename="aiguard_fwd_second"' in second
    assert 'queue.maxDiskSpace="1g"' in first
    assert 'queue.maxDiskSpace="64m"' in second
    for statement in (first, second):
        assert 'queue.spoolDirectory="/var/spool/rsyslog"' in statement
        assert 'queue.saveOnShutdown="on" queue.timeoutEnqueue="0"' in statement
        assert 'action.resumeRetryCount="-1"' in statement


def test_elasticsearch_bulk_with_the_sequence_id_as_document_id():
    text = collector({**ES, "user": "aiguard", "password": "s3cret", "ca_file": "/etc/aiguard/es-ca.pem"})
    assert 'module(load="omelasticsearch")' in text
    statement = action(text, "elasticsearch")
    assert 'server=["https://es1.lab.test:9200", "https://es2.lab.test:9200"]' in statement
    assert (
        'template="aiguard_fwd_record" searchIndex="aiguard_fwd_elasticsearch_index" dynSearchIndex="on"' in statement
    )
    assert 'searchType=""' in statement
    assert 'bulkmode="on" bulkid="aiguard_fwd_id" dynbulkid="on"' in statement
    assert 'uid="aiguard" pwd=`cat /etc/aiguard/log-forward/elasticsearch.secret`' in statement
    assert 'tls.cacert="/etc/aiguard/es-ca.pem"' in statement
    assert "s3cret" not in text
    assert 'template(name="aiguard_fwd_record" type="subtree" subtree="$!aiguard")' in text
    assert 'property(name="$!aiguard!host") constant(value="/") property(name="$!aiguard!seq")' in text


@pytest.mark.parametrize(
    ("index_date", "parts"), [("day", ["year", "month", "day"]), ("month", ["year", "month"]), ("none", [])]
)
def test_index_date_pattern(index_date, parts):
    text = collector({**ES, "type": "opensearch", "index": "ai-logs", "index_date": index_date, "bulk": False})
    block = re.search(r'template\(name="aiguard_fwd_opensearch_index".*?\n}', text, re.S).group(0)
    assert 'constant(value="ai-logs")' in block
    assert re.findall(r'dateFormat="(\w+)" date.inUTC="on"', block) == parts
    statement = action(text, "opensearch")
    assert 'bulkmode="off"' in statement
    assert "bulkid" not in statement
    assert "pwd=" not in statement


def test_gelf_over_tls_with_nul_delimited_frames():
    text = collector({**GELF, "port": 12202, "permitted_peer": "*.lab.test"})
    statement = action(text, "gelf")
    assert 'type="omfwd"' in statement
    assert 'target="graylog.lab.test" port="12202" protocol="tcp"' in statement
    assert 'TCP_Framing="traditional" TCP_FrameDelimiter="0"' in statement
    assert 'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"' in statement
    assert (
        'StreamDriverPermittedPeers="*.lab.test" StreamDriver.CAFile="/etc/ssl/certs/ca-certificates.crt"' in statement
    )
    template = re.search(r'template\(name="aiguard_fwd_gelf".*?\n}', text, re.S).group(0)
    for field in ("version", "host", "short_message", "timestamp", "level", "_source", "_seq", "_unit", "_peer"):
        assert f'\\"{field}\\":' in template
    assert "omelasticsearch" not in text


def test_gelf_without_tls():
    statement = action(collector({**GELF, "tls": False}), "gelf")
    assert "StreamDriver" not in statement


def test_loki_through_the_pusher_with_transactions():
    statement = action(collector(LOKI), "loki")
    assert 'type="omprog"' in statement
    assert 'binary="/usr/local/sbin/aiguard-log-loki /etc/aiguard/log-forward/loki.loki.json"' in statement
    assert 'template="aiguard_fwd_line" confirmMessages="on" useTransactions="on"' in statement


def test_only_stored_records_are_forwarded():
    text = collector(GELF)
    assert 'if $parsesuccess == "OK" and $!aiguard!seq != "" and re_match($!aiguard!host, \'^[A-Za-z0-9]' in text
