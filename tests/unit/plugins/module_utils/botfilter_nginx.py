# Copyright (c) 2026, aiguard.hardening maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small evaluator of the bot filter's nginx text, with nginx's semantics.

It reads map blocks, the server-level rewrite directives and prefix
locations, so the tests can check what nginx would do with the three
includes without running nginx.
"""

from __future__ import annotations

import re

from botfilter_cases import ADDR, FLAGS

from ansible_collections.aiguard.hardening.plugins.module_utils.botfilter_entries import ALLOW, BLOCK, LIMIT


class Word(str):
    """A parameter of a directive (a quoted "{" is a Word, a block's brace a plain str)."""


def nginx_decode(raw):
    out, index = [], 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            nxt = raw[index + 1]
            if nxt in "\"'\\":
                out.append(nxt)
                index += 2
                continue
            if nxt in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[nxt])
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def nginx_tokens(text):
    """Words, quoted strings and ; { } of an nginx file, as nginx reads them."""
    tokens, index = [], 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end + 1
        elif char in ";{}":
            tokens.append(char)
            index += 1
        elif char in "\"'":
            end = index + 1
            while text[end] != char:
                end += 2 if text[end] == "\\" else 1
            assert end + 1 - index < 4096, "nginx refuses a parameter of 4096 bytes or more"
            tokens.append(Word(nginx_decode(text[index + 1 : end])))
            index = end + 1
            # After a quoted string nginx wants a space, ; { or the ) that closes an if.
            assert index == len(text) or text[index].isspace() or text[index] in ";{)", text[index : index + 20]
        else:
            end = index
            while end < len(text) and not text[end].isspace() and text[end] not in ";{}":
                end += 2 if text[end] == "\\" else 1
            tokens.append(Word(nginx_decode(text[index:end])))
            index = end
    return tokens


def nginx_blocks(text):
    """The directives of an nginx file: a list of (parameters, block or None), blocks nested."""
    stack, words = [[]], []
    for token in nginx_tokens(text):
        if isinstance(token, Word):
            words.append(token)
        elif token == ";":
            stack[-1].append((words, None))
            words = []
        elif token == "{":
            block = []
            stack[-1].append((words, block))
            stack.append(block)
            words = []
        else:
            assert not words and len(stack) > 1, "unbalanced }"
            stack.pop()
    assert len(stack) == 1 and not words, "unterminated block or directive"
    return stack[0]


class NginxMaps:
    """The map blocks and other directives of an http-level include."""

    def __init__(self, text):
        self.maps, self.directives = {}, []
        for words, block in nginx_blocks(text):
            if words[0] != "map":
                assert block is None, words
                self.directives.append(list(words))
                continue
            _map, source, target = words
            exact, regexes, default = {}, [], ""
            for entry, inner in block:
                assert inner is None and len(entry) == 2, entry
                key, value = entry
                if key == "default":
                    default = value
                elif key.startswith("~*"):
                    regexes.append((re.compile(key[2:], FLAGS), value))
                elif key.startswith("~"):
                    regexes.append((re.compile(key[1:], re.ASCII), value))
                else:
                    assert key.lower() not in exact, f"duplicate map key {key!r}"
                    exact[key.lower()] = value  # nginx lowercases keys and the looked-up value
            assert target not in self.maps, f"two maps define {target}"
            self.maps[target] = (source, exact, regexes, default)

    def value(self, name, request):
        if not name.startswith("$"):
            return name  # a constant, as the source of map "" $aiguard_bot_slow
        if name in request:
            return request[name]
        request.setdefault("#evaluated", set()).add(name)
        source, exact, regexes, default = self.maps[name]
        subject = self.value(source, request)
        found = exact.get(subject.lower())
        if found is None:
            found = next((value for regex, value in regexes if regex.search(subject)), default)
        # A map variable without "volatile" is cached for the rest of the request.
        request[name] = self.value(found, request)
        return request[name]


def if_condition(words):
    """The parts of an if's condition: [variable] or [variable, operator, operand]."""
    words = [str(word) for word in words]
    assert words[0].startswith("("), words
    words[0] = words[0][1:]
    if words[-1] == ")":
        words.pop()
    else:
        assert words[-1].endswith(")"), words
        words[-1] = words[-1][:-1]
    assert len(words) in (1, 3), words
    return words


class NginxServer:
    """A server block that includes the three files as the module's documentation says.

    The http-level include is in http; the server-level include is the last
    thing of the server block, after the server's own locations
    ``server_locations``, a list of ``(modifier, path, filtered)`` with
    modifier "" (prefix), "^~" or "=", where a filtered location includes the
    location-level include. No regex location: a request goes to the exact
    location, else the longest prefix location (nginx's rule), the probe
    locations of the server include among them.
    """

    def __init__(self, http, server, location, server_locations=(("", "/", True),)):
        self.maps = NginxMaps(http)
        self.rewrites, self.locations = [], []
        for words, block in nginx_blocks(server):
            if words[0] == "location":
                assert len(words) == 3 and words[1] == "^~", words
                assert block is not None and len(block) == 1, words
                ((ret, inner),) = block
                assert inner is None and ret[0] == "return" and len(ret) == 2, ret
                self.locations.append(("^~", str(words[2]), None, int(ret[1])))
            else:
                self.rewrites.append((words, block))
        server_paths = [(modifier, path) for modifier, path, _filtered in server_locations]
        probe_paths = [("", path) for _modifier, path, _block, _status in self.locations]
        # nginx refuses two prefix locations with the same path ("duplicate location").
        assert len(set(server_paths + probe_paths)) == len(server_paths) + len(probe_paths)
        self.locations += [(modifier, path, filtered, None) for modifier, path, filtered in server_locations]
        self.limit_req = []
        for words, block in nginx_blocks(location):
            assert block is None and words[0] == "limit_req", words
            self.limit_req.append(list(words))

    def interpolate(self, text, request):
        """A value with nginx variables in it, as ``set`` evaluates it."""
        return re.sub(r"\$([a-z_0-9]+)", lambda m: self.maps.value("$" + m.group(1), request), text)

    def rewrite(self, block, request):
        """Run server-level rewrite directives: None, "break" or ("return", status)."""
        for words, inner in block:
            name = words[0]
            if name == "set":
                assert len(words) == 3 and inner is None, words
                request[words[1]] = self.interpolate(str(words[2]), request)
            elif name == "break":
                assert len(words) == 1, words
                return "break"
            elif name == "return":
                assert len(words) == 2, words
                return ("return", int(words[1]))
            elif name == "if":
                condition = if_condition(words[1:])
                value = self.maps.value(condition[0], request)
                if len(condition) == 1:
                    true = value not in ("", "0")
                else:
                    _variable, operator, operand = condition
                    if operator == "=":
                        true = value == operand
                    else:
                        assert operator in ("~", "~*"), condition  # PCRE, search semantics
                        flags = FLAGS if operator == "~*" else re.ASCII
                        found = re.search(re.sub(r"\(\?<([a-z_]+)>", r"(?P<\1>", operand), value, flags)
                        true = found is not None
                        if found:
                            for key, text in found.groupdict().items():
                                request["$" + key] = text
                if true:
                    outcome = self.rewrite(inner, request)
                    if outcome is not None:
                        return outcome
            else:
                raise AssertionError(f"unexpected server-level directive {words}")
        return None

    def location(self, uri):
        exact = [loc for loc in self.locations if loc[0] == "=" and loc[1] == uri]
        if exact:
            return exact[0]
        prefixes = [loc for loc in self.locations if loc[0] != "=" and uri.startswith(loc[1])]
        return max(prefixes, key=lambda loc: len(loc[1]))

    def request(self, user_agent, uri):
        """(verdict, status or None, request variables) of one request."""
        request = {"$http_user_agent": user_agent or "", "$uri": uri, "$binary_remote_addr": ADDR, "#evaluated": set()}
        outcome = self.rewrite(self.rewrites, request)
        if isinstance(outcome, tuple):
            return BLOCK, outcome[1], request
        _modifier, _path, filtered, status = self.location(uri)
        if status is not None:
            return BLOCK, status, request
        key = request.get("$aiguard_bot_limit_key", "")
        assert key in ("", ADDR), key
        if filtered and self.limit_req and key:
            return LIMIT, None, request
        return ALLOW, None, request

    def classify(self, user_agent, uri):
        return self.request(user_agent, uri)[0]


def nginx_server(flt, status=444, burst=5, server_locations=(("", "/", True),)):
    return NginxServer(flt.render_http(), flt.render_server(status), flt.render_snippet(burst), server_locations)


def dropped(request):
    """The drop reason the server include wrote, "" for none."""
    return request.get("$aiguard_bot_drop", "")
