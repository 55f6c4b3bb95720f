#!/usr/bin/python
# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: bot_filter
short_description: Write an nginx filter that blocks or rate-limits crawlers, AI bots and scanners
version_added: 0.1.0
description:
  - Compiles a curated list of crawler, AI-bot and scanner User-Agent patterns, your own patterns and a list of scanner
    probe paths into three nginx include files, written atomically.
  - O(dest) is an http-level include. It defines C($aiguard_bot_class), the category of the pattern that matched a
    dropped request (a map looked at only for dropped requests), and, when a pattern has the action V(limit), the zone
    C(limit_req_zone $aiguard_bot_limit_key zone=aiguard_bots:10m rate=LIMIT_RATE).
  - O(server_snippet_dest) (one O(policy)) or O(server_snippets) (one file per policy) are server-level includes, to
    put at the end of every server block to filter. Each ends the server's rewrite directives with C(break) for a
    browser in the fast path (O(fast_path)) or a request to an exempt path, sets C($aiguard_bot_drop) to why the
    request is to be dropped (C(ua:CATEGORY), C(ua:empty) or C(probe)) or to the empty string, returns
    O(block_status) when it is set (unless O(return_on_drop) is false), and defines one
    C(location ^~ PATH { return BLOCK_STATUS; }) per probe path.
  - O(snippet_dest) is a location-level include. It applies C(limit_req zone=aiguard_bots burst=LIMIT_BURST nodelay;)
    when a pattern has the action V(limit), and is empty otherwise. Include it in every location to filter; leave it
    out of locations that must stay open, such as the ACME challenge path, and list those in O(exempt_paths).
  - A policy says which built-in patterns a server include drops. V(private) drops everything that identifies as
    automated, every category of the built-in lists (search engines, AI crawlers and agents, SEO, monitoring, social
    previews, advertising, feed readers, archivers, academic crawlers, HTTP libraries, browser automation, scanners)
    and generic markers such as C(bot), C(crawl) and C(spider) that no real browser carries. V(public) lets search
    engines, previews, monitors and feed readers through and drops AI crawlers and agents, SEO crawlers and scanners.
    O(patterns) apply to every policy.
  - A request is dropped when its User-Agent is empty or missing, or matches a pattern of its policy whose action is
    V(block), or when its normalized path (C($uri)) contains a probe path. Otherwise it is rate-limited when its
    User-Agent matches a pattern whose action is V(limit). Everything else is allowed. Two exceptions keep the common
    case cheap and the open paths open. A request whose User-Agent is in the fast path, or whose path is one of
    O(exempt_paths), is only dropped when nginx picks a probe location for it, that is a probe path at the start of
    its path, matched case-sensitively, unless a longer or exact location of the server takes the request.
  - Patterns match case-insensitively. A literal pattern matches as a substring, so V(Googlebot) also matches
    C(Googlebot-Image/1.0). O(patterns) and the generic markers match anywhere in the User-Agent; the names of the
    built-in lists match at the start of a word (the start of the User-Agent, or after a space or one of
    C(()[];,+/_.:='"-~)), which keeps them out of unrelated words and lets nginx skip most positions cheaply.
  - The cost of a request does not grow with the number of patterns. A request from a common browser costs one
    anchored regex and nothing else (see O(fast_path)). An Android browser (Chrome, Samsung Internet, Edge, WebView)
    with any device model takes the device path, one more anchored regex, after which the merged patterns run on its
    device model alone, a dozen characters instead of the whole User-Agent; the module checks when it compiles that
    this gives the same verdict. Any other user agent is matched against a few merged regexes in which the literals
    are factored into a trie, instead of one regex per bot.
  - Fails, naming the pattern and the browser, if a pattern matches the User-Agent of a current mainstream browser
    (Chrome, Edge, Firefox, Safari, Opera and Samsung Internet, desktop and mobile), unless O(allow_browser_matches).
  - Warns about duplicate patterns and about patterns shadowed by another one (RV(duplicates), RV(shadowed)).
author:
  - aiguard.hardening maintainers (@aiguard)
extends_documentation_fragment:
  - aiguard.hardening.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - Returns the old and new content of the three files.
options:
  dest:
    description:
      - The http-level include to write, for example C(/etc/nginx/conf.d/aiguard-bots.conf). Its directory must exist.
    type: path
    required: true
  server_snippet_dest:
    description:
      - The server-level include of O(policy) to write, for example C(/etc/nginx/snippets/aiguard-bots-server.conf).
        Its directory must exist. It must not be in a directory that nginx includes at http level.
      - Exactly one of O(server_snippet_dest) and O(server_snippets) is required.
    type: path
  policy:
    description:
      - The policy of O(server_snippet_dest).
    type: str
    choices: [private, public]
    default: private
  server_snippets:
    description:
      - One server-level include per policy, as a dictionary from V(private) and V(public) to paths, for hosts with
        sites of both policies. Each directory must exist.
    type: dict
  return_on_drop:
    description:
      - End each server include with C(if ($aiguard_bot_drop) { return BLOCK_STATUS; }). Set it to V(false) when the
        including server decides itself, for example to let a client that holds a valid API token through whatever
        its user agent (C($aiguard_bot_drop) starts with C(ua:)), while still dropping probe paths (V(probe)).
    type: bool
    default: true
  snippet_dest:
    description:
      - The location-level include to write, for example C(/etc/nginx/snippets/aiguard-bots.conf). Its directory must
        exist. It must not be in a directory that nginx includes at http level.
    type: path
    required: true
  builtin:
    description:
      - Start from the built-in lists, all with action V(block); the C(crawler-user-agents) patterns (MIT), the AI
        crawlers and agents of ai.robots.txt (MIT) and the collection's own scanners, HTTP libraries and automation
        tools, each with a category, compiled into the collection (C(make bot-data) refreshes them); the V(private)
        policy adds the generic markers. Which categories a server include drops depends on its policy.
      - C(Google-Extended) and C(Applebot-Extended) are not in it; they are robots.txt tokens that no request carries.
    type: bool
    default: true
  patterns:
    description:
      - Patterns to add, to every policy. One with the same text as a built-in pattern replaces it, so V(bingbot)
        with action V(limit) rate-limits bingbot instead of blocking it.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: A name for messages and for RV(patterns).
        type: str
        required: true
      pattern:
        description:
          - The text to look for in the User-Agent, case-insensitively.
          - With O(patterns[].regex), a regular expression with search semantics. Back-references, inline flags,
            conditionals, C({,n}), POSIX classes, C(\u), C(\U), C(\N), C(\v) and characters outside printable ASCII are
            refused, because nginx's PCRE2 would read them differently from Python or they would break merging. So is
            a repeated group that contains a repetition, which can make PCRE backtrack exponentially. Capturing and
            named groups are made non-capturing.
        type: str
        required: true
      regex:
        description: Whether O(patterns[].pattern) is a regular expression rather than a literal substring.
        type: bool
        default: false
      action:
        description: V(block) blocks the request; V(limit) rate-limits it per client address instead.
        type: str
        choices: [block, limit]
        default: block
  allow:
    description:
      - Names or patterns of built-in entries to leave out, compared case-insensitively, for example V(curl) and
        V(python-requests) when scripts call an API proxy. An item that matches no built-in entry is warned about.
    type: list
    elements: str
    default: []
  probe_paths:
    description:
      - Paths to block in addition, such as V(/.env). Each must start with C(/). It is matched case-insensitively
        anywhere in the normalized request path C($uri), and for browsers in the fast path case-sensitively at its
        start.
    type: list
    elements: str
    default: []
  builtin_probe_paths:
    description:
      - Start from the built-in list of scanner probe paths, such as C(/.env), C(/.git/), C(/wp-login.php),
        C(/phpmyadmin), C(/.aws/), C(/server-status), C(/vendor/phpunit), C(/cgi-bin/) and C(/actuator).
    type: bool
    default: true
  exempt_paths:
    description:
      - Paths whose locations do not include O(snippet_dest), such as V(/.well-known/acme-challenge/) and a health
        check. The server-level block does not apply to them. Each must be a location of the including server blocks,
        an exact one (C(location = PATH)) for a path without a trailing C(/), a prefix one (C(location ^~ PATH)) for a
        path with one. Each must start with C(/).
    type: list
    elements: str
    default: []
  reserved_locations:
    description:
      - Prefix locations the including server blocks define themselves. nginx refuses two prefix locations with the
        same path, so no probe location is written for a probe path in this list; requests outside the fast path
        are still checked against it.
    type: list
    elements: str
    default: []
  block_status:
    description:
      - What a blocked request gets. V(444) closes the connection without a response; V(403) answers Forbidden.
    type: int
    choices: [444, 403]
    default: 444
  limit_rate:
    description:
      - The rate allowed per client address for rate-limited user agents, as nginx writes it (C(NUMBERr/s) or
        C(NUMBERr/m)).
    type: str
    default: 30r/m
  limit_burst:
    description: How many requests above O(limit_rate) are served at once before nginx rejects them.
    type: int
    default: 5
  allow_browser_matches:
    description:
      - Write the files even if a pattern matches the User-Agent of a current mainstream browser. Each match is then
        warned about.
    type: bool
    default: false
  fast_path:
    description:
      - Match the User-Agent against the exact shapes of the commonest browsers first, with one anchored regex in the
        server includes, and skip the patterns for those requests. The shapes are families, some with a window of
        versions (Chrome and Edge on Windows, macOS, Linux and Android; Firefox on Windows, macOS and Linux; Safari on
        macOS and iPhone), some with any version (digit runs; Chrome, Edge and Opera on desktop, Chrome in Android and
        iPhone device emulation, Chrome, the Google app and Safari on iPhone and iPad). Every user agent a family of
        the first kind accepts is listed and checked against the patterns; for the second kind each literal with a
        digit is checked against the family symbolically and the rest on samples. A family with a match is left out
        (RV(fast_path_dropped)), so the fast path never changes a verdict. The same option turns the device path on
        (see the description), checked the same way.
      - Without it every request goes through all the patterns.
    type: bool
    default: true
  mode:
    description:
      - The permissions of the three files, in any form M(ansible.builtin.file) accepts.
    type: raw
    default: '0644'
notes:
  - The module does not check or reload nginx. Run C(nginx -t) on the whole configuration before reloading. Include
    O(dest) at http level, O(server_snippet_dest) at the end of each server block to filter (its C(break) ends the
    server-level rewrite directives that follow it) and O(snippet_dest) in each location to filter.
  - Requests rejected by the rate limit get C(limit_req_status), 503 unless the server or location sets another, such
    as C(limit_req_status 429;). C(limit_req) acts in nginx's preaccess phase, so it applies to locations that proxy or
    serve content, not to a location that ends with C(return), which answers in the earlier rewrite phase.
  - The regexes have no capturing groups, so C($1) to C($9) of a regex location stay as they were.
  - Set C(pcre_jit on;) in the main context of nginx.conf (Debian's nginx.conf includes
    C(/etc/nginx/modules-enabled/*.conf) there). Without JIT the fast-path regex costs about five times as much and
    the user agents outside the fast path several times as much.
requirements:
  - nginx 1.22 or later, built with PCRE (as Debian's is).
seealso:
  - name: nginx map module
    description: The maps this module generates.
    link: https://nginx.org/en/docs/http/ngx_http_map_module.html
  - name: nginx limit_req module
    description: The rate limit applied to user agents with action V(limit).
    link: https://nginx.org/en/docs/http/ngx_http_limit_req_module.html
"""

EXAMPLES = r"""
---
- name: Block crawlers, AI bots, scanners and probe paths in front of a Gradio app
  aiguard.hardening.bot_filter:
    dest: /etc/nginx/conf.d/aiguard-bots.conf
    server_snippet_dest: /etc/nginx/snippets/aiguard-bots-server.conf
    snippet_dest: /etc/nginx/snippets/aiguard-bots.conf
    exempt_paths: [/.well-known/acme-challenge/, /health]
  register: bots

- name: An API proxy called by scripts; rate-limit bingbot instead of blocking it; block one more bot
  aiguard.hardening.bot_filter:
    dest: /etc/nginx/conf.d/aiguard-bots.conf
    server_snippet_dest: /etc/nginx/snippets/aiguard-bots-server.conf
    snippet_dest: /etc/nginx/snippets/aiguard-bots.conf
    exempt_paths: [/.well-known/acme-challenge/, /health]
    allow: [curl, python-requests]
    patterns:
      - name: bingbot
        pattern: bingbot
        action: limit
      - name: Old Chrome-based scrapers
        pattern: 'HeadlessChrome/\d+'
        regex: true
    probe_paths: [/backup.zip]
    block_status: 403
    limit_rate: 10r/m

- name: Show what was compiled
  ansible.builtin.debug:
    msg: "{{ bots.counts }}"
"""

RETURN = r"""
counts:
  description: What was compiled.
  returned: success
  type: dict
  contains:
    patterns:
      description: User-agent patterns in RV(patterns).
      type: int
      sample: 71
    builtin:
      description: Of which built-in.
      type: int
      sample: 70
    user:
      description: Of which from O(patterns).
      type: int
      sample: 1
    block:
      description: Of which with action V(block).
      type: int
      sample: 70
    limit:
      description: Of which with action V(limit).
      type: int
      sample: 1
    literals:
      description: Of which literal substrings (including regexes that are literal text).
      type: int
      sample: 70
    regexes:
      description: Of which real regular expressions.
      type: int
      sample: 1
    duplicates:
      description: Entries in RV(duplicates).
      type: int
      sample: 0
    shadowed:
      description: Entries in RV(shadowed); they are left out of the regexes, which match the same without them.
      type: int
      sample: 0
    probe_paths:
      description: Probe paths, after removing case-insensitive duplicates.
      type: int
      sample: 38
    probe_locations:
      description: Probe paths with a prefix location of their own (those not in O(reserved_locations)).
      type: int
      sample: 38
    exempt_paths:
      description: Paths in O(exempt_paths), without duplicates.
      type: int
      sample: 2
    fast_path_families:
      description: Browser families in the fast path.
      type: int
      sample: 5
    fast_path_dropped:
      description: Browser families left out of the fast path, see RV(fast_path_dropped).
      type: int
      sample: 0
    fast_path_user_agents:
      description: User agents the fast-path regex accepts, all checked against the patterns.
      type: int
      sample: 14596
    regex_parts:
      description: Merged user-agent regexes in the second map, each below nginx's limit on one parameter.
      type: int
      sample: 2
    probe_parts:
      description: Merged probe-path regexes.
      type: int
      sample: 1
policies:
  description: RV(counts) of each policy written, by policy name.
  returned: success
  type: dict
  sample: {"private": {"patterns": 1200, "shadowed": 1100}}
fast_path_dropped:
  description: Browser families left out of the fast path because a pattern matches one of their user agents.
  returned: success
  type: list
  elements: dict
  contains:
    family:
      description: The family.
      type: str
      sample: Firefox on Windows, macOS and Linux
    user_agent:
      description: The first of its user agents that a pattern matches.
      type: str
      sample: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0"
    message:
      description: The same, for humans; also given as a warning.
      type: str
      sample: "fast path: Firefox on Windows, macOS and Linux left out, since a pattern matches one of its user agents"
duplicates:
  description: Patterns that match exactly what an earlier one matches. The later one is used.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The later pattern's name.
      type: str
      sample: bingbot
    pattern:
      description: The later pattern.
      type: str
      sample: bingbot
    source:
      description: Where the later pattern comes from.
      type: str
      choices: [builtin, user]
      sample: user
    duplicate_of:
      description: The earlier pattern's name.
      type: str
      sample: bingbot
    message:
      description: The same, for humans; also given as a warning.
      type: str
      sample: "pattern 'bingbot' (user, limit) matches exactly what 'bingbot' (builtin, block) matches; the later one is
        used, with action limit"
shadowed:
  description: Patterns that can never change a verdict because another pattern already covers every user agent they
    match.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The shadowed pattern's name.
      type: str
      sample: Googlebot
    pattern:
      description: The shadowed pattern.
      type: str
      sample: Googlebot
    source:
      description: Where the shadowed pattern comes from.
      type: str
      choices: [builtin, user]
      sample: builtin
    action:
      description: The shadowed pattern's action.
      type: str
      choices: [block, limit]
      sample: block
    shadowed_by:
      description: The name of the pattern that covers it.
      type: str
      sample: any bot
    shadowed_by_source:
      description: V(builtin) or V(user), the source of that pattern. Only shadowing that involves O(patterns) is warned
        about; built-in names covered by the generic markers are expected.
      type: str
      sample: builtin
    message:
      description: The same, for humans; also given as a warning.
      type: str
      sample: "pattern 'Googlebot' (builtin, block) is shadowed by 'any bot' (user, block): every user agent it matches
        is already blocked by 'bot'; remove one of them or allow the wider one"
patterns:
  description: The resulting user-agent patterns, built-in ones first, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The pattern's name.
      type: str
      sample: GPTBot
    pattern:
      description: The pattern as given.
      type: str
      sample: GPTBot
    regex:
      description: Whether it is a regular expression.
      type: bool
      sample: false
    action:
      description: What happens to a matching request.
      type: str
      choices: [block, limit]
      sample: block
    source:
      description: V(builtin) for the built-in list, V(user) for O(patterns).
      type: str
      choices: [builtin, user]
      sample: builtin
    category:
      description:
        - The pattern's category, what C($aiguard_bot_drop) names (C(ua:CATEGORY)) when it drops a request. One of
          V(search), V(ai), V(seo), V(monitoring), V(preview), V(advertising), V(feed), V(archive), V(academic),
          V(library), V(automation), V(scanner), V(generic) for the built-in lists and V(user) for O(patterns).
      type: str
      sample: ai
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter import build
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_dialect import BotFilterError
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import (
    POLICIES,
    browser_matches,
    shadow_message,
)
from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_render import (
    file_problem,
    read_text,
    write_temp,
)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            server_snippet_dest=dict(type="path"),
            policy=dict(type="str", choices=["private", "public"], default="private"),
            server_snippets=dict(type="dict"),
            return_on_drop=dict(type="bool", default=True),
            snippet_dest=dict(type="path", required=True),
            builtin=dict(type="bool", default=True),
            patterns=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    pattern=dict(type="str", required=True),
                    regex=dict(type="bool", default=False),
                    action=dict(type="str", choices=["block", "limit"], default="block"),
                ),
            ),
            allow=dict(type="list", elements="str", default=[]),
            probe_paths=dict(type="list", elements="str", default=[]),
            builtin_probe_paths=dict(type="bool", default=True),
            exempt_paths=dict(type="list", elements="str", default=[]),
            reserved_locations=dict(type="list", elements="str", default=[]),
            block_status=dict(type="int", choices=[444, 403], default=444),
            limit_rate=dict(type="str", default="30r/m"),
            limit_burst=dict(type="int", default=5),
            allow_browser_matches=dict(type="bool", default=False),
            fast_path=dict(type="bool", default=True),
            mode=dict(type="raw", default="0644"),
        ),
        supports_check_mode=True,
        required_one_of=[("server_snippet_dest", "server_snippets")],
        mutually_exclusive=[("server_snippet_dest", "server_snippets")],
    )
    p = module.params
    single = p["server_snippets"] is None
    snippets = {p["policy"]: p["server_snippet_dest"]} if single else p["server_snippets"]
    if not single and p["policy"] != "private":
        module.warn("policy is ignored when server_snippets is given: its keys name the policies")
    unknown = sorted(set(snippets) - set(POLICIES))
    if unknown or not snippets:
        module.fail_json(
            msg=f"server_snippets: give a path for one or more of the policies {', '.join(POLICIES)}"
            + (f"; {', '.join(map(repr, unknown))} is not a policy" if unknown else "")
        )
    bad = [policy for policy, path in snippets.items() if not isinstance(path, str) or not os.path.isabs(path)]
    if bad:
        module.fail_json(msg=f"server_snippets.{bad[0]}: give an absolute path, not {snippets[bad[0]]!r}")
    policies = [policy for policy in POLICIES if policy in snippets]
    names = [
        "dest",
        *(("server_snippet_dest",) if single else (f"server_snippets.{policy}" for policy in policies)),
        "snippet_dest",
    ]
    files = [p["dest"], *(snippets[policy] for policy in policies), p["snippet_dest"]]
    real = [os.path.realpath(path) for path in files]
    for first, first_path in enumerate(real):
        for second in range(first + 1, len(real)):
            if first_path == real[second]:
                module.fail_json(
                    msg=f"{names[first]} and {names[second]} are the same file ({files[first]});"
                    f" give {len(files)} different paths"
                )
    try:
        filters = [
            build(
                p["builtin"],
                p["patterns"],
                p["allow"],
                p["probe_paths"],
                p["builtin_probe_paths"],
                p["fast_path"],
                exempt_paths=p["exempt_paths"],
                reserved_locations=p["reserved_locations"],
                policy=policy,
            )
            for policy in policies
        ]
        flt = filters[0]
        # The category map covers the patterns of every policy written.
        class_entries = list({id(entry): entry for one in filters for entry in one.entries}.values())
        # Each file names the others by base name only: the same filter
        # written to another directory must give the same bytes.
        base = [os.path.basename(path) for path in files]
        texts = [
            flt.render_http(
                p["limit_rate"],
                snippet_dest=base[-1],
                server_snippet_dest=", ".join(base[1:-1]),
                class_entries=class_entries,
            ),
            *(
                one.render_server(
                    p["block_status"], dest=base[0], snippet_dest=base[-1], return_on_drop=p["return_on_drop"]
                )
                for one in filters
            ),
            flt.render_snippet(p["limit_burst"], dest=base[0]),
        ]
    except BotFilterError as exc:
        module.fail_json(msg=str(exc))
    result = dict(
        changed=False,
        counts=flt.counts,
        policies={one.policy: one.counts for one in filters},
        duplicates=flt.duplicates,
        shadowed=[
            dict(
                name=e.name,
                pattern=e.pattern,
                source=e.source,
                action=e.action,
                shadowed_by=by.name,
                shadowed_by_source=by.source,
                message=shadow_message(e, by),
            )
            for e, by in flt.shadowed
        ],
        patterns=[entry.as_dict() for entry in flt.entries],
        fast_path_dropped=flt.fast_path_dropped,
    )
    matches = [
        f"pattern {e.name!r} ({e.source}, {e.pattern!r}) matches {label}: {agent!r}"
        for e, label, agent in browser_matches(
            list({id(entry): entry for one in filters for entry in one.entries}.values())
        )
    ]
    if matches and not p["allow_browser_matches"]:
        module.fail_json(
            msg=f"{len(matches)} pattern match(es) with mainstream browsers would block real users: "
            + "; ".join(matches)
            + ". Narrow or allow the pattern, or set allow_browser_matches: true.",
            **result,
        )
    # Built-in patterns shadowed by built-in ones (names covered by a generic
    # marker) are expected and only counted; what involves the user's
    # patterns is warned about.
    for message in (
        matches
        + [d["message"] for d in result["duplicates"] if d["source"] == "user"]
        + [s["message"] for s in result["shadowed"] if s["source"] == "user" or s["shadowed_by_source"] == "user"]
        + [d["message"] for one in filters for d in one.fast_path_dropped]
    ):
        module.warn(message)
    for item in flt.unmatched_allow:
        module.warn(f"allow item {item!r} matches no built-in pattern name or pattern; nothing was left out for it")

    problems = [problem for problem in map(file_problem, files) if problem]
    if problems:
        module.fail_json(msg="; ".join(problems), **result)
    diffs = []
    for path, text in zip(files, texts, strict=True):
        before = read_text(path)
        if before != text:
            result["changed"] = True
            if not module.check_mode:
                module.atomic_move(write_temp(path, text), path)
        result["changed"] = module.set_mode_if_different(path, p["mode"], result["changed"])
        diffs.append(dict(before_header=path, after_header=path, before=before or "", after=text))
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
