"""A safe reader for ``Pulumi.<stack>.yaml``: plain data or a problem naming the key.

``yaml.safe_load`` already refuses arbitrary objects, but it lets through what hurts a stack file:
a repeated key (the last one silently wins, so a second ``aws:region`` moves the provider), alias
bombs (a few hundred bytes that expand to gigabytes), nesting deep enough to exhaust the stack,
dates and ``!!binary`` where text is meant, integers of thousands of digits, and YAML 1.1's
surprises (``0123`` is octal, ``1:30`` is 90, ``yes`` is true). Here the document is composed
under a depth and alias budget, then turned into Python values by hand, so every node is looked
at once and every refusal names the key it sits under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dixie_infra.settings.problems import ConfigProblem, show_key
from dixie_infra.settings.types import UNREADABLE_SECRET

#: A stack file is a few kilobytes; anything near this is not one.
MAX_FILE_BYTES = 64 * 1024
#: The deepest a stack file goes is config -> dixie:alb -> arn (3); lists of objects add a few.
MAX_DEPTH = 8
#: Stack files written by ``pulumi config`` have no aliases; a handful is tolerated, never the
#: dozens that an expansion bomb needs.
MAX_ALIASES = 4
#: Nodes after expanding aliases, a second bound on what the validator will walk.
MAX_NODES = 5000
#: Decimal digits in a whole number: ports, sizes, priorities are all far below this.
MAX_INT_DIGITS = 18

#: Top-level keys of a stack file (pulumi/sdk/go/common/workspace/project.go ProjectStack).
#: ``environment`` (Pulumi ESC imports) is not accepted: the tools read this file without the
#: CLI and could not see values that come from an environment.
DOCUMENT_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt")

_TAG = "tag:yaml.org,2002:"
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)", re.ASCII)
_SAFE = yaml.SafeLoader.yaml_constructors
_BOOLS = ("true", "false", "True", "False", "TRUE", "FALSE")


class _Refused(Exception):
    """A problem that stops composing the document (budget exceeded)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


class _Loader(yaml.SafeLoader):
    """Composes under a depth and alias budget, tracking the key being composed."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.aliases = 0
        self.keys: list[str] = []

    def where(self) -> str:
        return _join(self.keys[1:]) if len(self.keys) > 1 else (self.keys[0] if self.keys else "")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(
                    self.where(), f"uses more than {MAX_ALIASES} YAML aliases (*name); write the values out"
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(self.where(), f"is nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_mapping_node(self, anchor: Any) -> MappingNode:
        # PyYAML's own loop, plus the key stack so that budget errors can name where they hit.
        start_event = self.get_event()
        tag = start_event.tag
        if tag is None or tag == "!":
            tag = self.resolve(MappingNode, None, start_event.implicit)
        node = MappingNode(tag, [], start_event.start_mark, None, flow_style=start_event.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        while not self.check_event(yaml.MappingEndEvent):
            item_key = self.compose_node(node, None)
            self.keys.append(str(item_key.value) if isinstance(item_key, ScalarNode) else "?")
            try:
                item_value = self.compose_node(node, item_key)
            finally:
                self.keys.pop()
            node.value.append((item_key, item_value))
        node.end_mark = self.get_event().end_mark
        return node


def _join(parts: list[str]) -> str:
    key = ""
    for part in parts:
        if part.startswith("["):
            key += part
        else:
            key = f"{key}.{part}" if key else part
    return key


@dataclass
class StackDocument:
    """The ``config:`` of a stack file: ``ns:key`` -> plain value (``UNREADABLE_SECRET`` for
    ``secure:`` values), the keys set as secrets, and the problems found while reading."""

    config: dict[str, Any] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def refused_keys(self) -> set[str]:
        return {p.key for p in self.problems}


def read_document(data: bytes, name: str) -> StackDocument:
    """Parse a stack file's bytes; problems are collected, never raised."""
    doc = StackDocument()
    if len(data) > MAX_FILE_BYTES:
        doc.problems.append(
            ConfigProblem(name, f"is larger than {MAX_FILE_BYTES // 1024} KiB; a stack file is a few")
        )
        return doc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        doc.problems.append(ConfigProblem(name, f"is not UTF-8 text (byte {exc.start})"))
        return doc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        doc.problems.append(ConfigProblem(show_key(exc.path) if exc.path else name, exc.message))
        return doc
    except yaml.MarkedYAMLError as exc:
        # Only the problem and its position: str(exc) quotes the offending line, which may hold
        # a secret.
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = str(exc.problem or exc.context or "not valid YAML")[:120]
        doc.problems.append(ConfigProblem(name, f"is not valid YAML ({where}{problem})"))
        return doc
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        doc.problems.append(ConfigProblem(name, f"is not valid YAML ({type(exc).__name__})"))
        return doc
    finally:
        loader.dispose()

    if root is None:
        doc.problems.append(ConfigProblem(name, "is empty; it must hold a 'config:' mapping"))
        return doc
    builder = _Builder(doc)
    if not isinstance(root, MappingNode):
        doc.problems.append(ConfigProblem(name, "must be a mapping with a 'config:' key"))
        return doc
    config_node: Node | None = None
    top_pairs, _ = builder.pairs(root, [], name)
    for key_node, value_node in top_pairs:
        key = key_node.value
        if key not in DOCUMENT_KEYS:
            doc.problems.append(
                ConfigProblem(
                    show_key(key),
                    f"is not allowed at the top of a stack file; allowed: {', '.join(DOCUMENT_KEYS)}",
                )
            )
        elif key == "config":
            config_node = value_node
        elif not (isinstance(value_node, ScalarNode) and value_node.tag == _TAG + "str"):
            doc.problems.append(ConfigProblem(key, "must be text"))
    if config_node is None:
        if not doc.problems:
            doc.problems.append(ConfigProblem(name, "has no 'config:' mapping"))
        return doc
    if not isinstance(config_node, MappingNode):
        doc.problems.append(ConfigProblem("config", "must be a mapping of namespace:key to values"))
        return doc
    config_pairs, _ = builder.pairs(config_node, [], "config")
    for key_node, value_node in config_pairs:
        key = key_node.value
        if _is_secure(value_node):
            doc.config[key] = UNREADABLE_SECRET
            doc.secret_keys.add(key)
            continue
        value = builder.value(value_node, [key])
        if value is not _INVALID:
            doc.config[key] = value
    return doc


_INVALID = object()


def _tag(node: Node) -> str:
    return repr(f"!!{node.tag.removeprefix(_TAG)}" if node.tag.startswith(_TAG) else node.tag[:40])


def _is_secure(node: Node) -> bool:
    return (
        isinstance(node, MappingNode)
        and len(node.value) == 1
        and isinstance(node.value[0][0], ScalarNode)
        and node.value[0][0].value == "secure"
        and isinstance(node.value[0][1], ScalarNode)
        and node.value[0][1].tag == _TAG + "str"
    )


class _Builder:
    """Turns composed nodes into str/int/float/bool/None/list/dict, refusing everything else."""

    def __init__(self, doc: StackDocument):
        self.doc = doc
        self.nodes = 0
        self.constructor = yaml.SafeLoader("")

    def refuse(self, path: list[str], message: str) -> object:
        return self.refuse_at(_join(path), message)

    def refuse_at(self, key: str, message: str) -> object:
        shown = show_key(key)
        if not any(p.key == shown for p in self.doc.problems):
            self.doc.problems.append(ConfigProblem(shown, message))
        return _INVALID

    def pairs(
        self, node: MappingNode, path: list[str], label: str
    ) -> tuple[list[tuple[ScalarNode, Node]], bool]:
        """The mapping's (key, value) nodes, and whether all its keys are unique plain text.
        A repeated key is refused as a whole: neither of its values is used."""
        lines: dict[str, list[int]] = {}
        pairs: list[tuple[ScalarNode, Node]] = []
        ok = True
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _TAG + "str":
                ok = False
                tag = key_node.tag.removeprefix(_TAG)
                where = _join(path) or label
                if tag == "merge":
                    self.refuse_at(where, "uses a YAML merge key (<<); write the keys out")
                else:
                    self.refuse_at(where, f"has a key that is not text ({tag}); quote it")
                continue
            lines.setdefault(key_node.value, []).append(key_node.start_mark.line + 1)
            pairs.append((key_node, value_node))
        for key, at in lines.items():
            if len(at) > 1:
                ok = False
                self.refuse(
                    [*path, key],
                    f"appears {len(at)} times (lines {', '.join(map(str, at[:5]))}); each key may be given once",
                )
        return [(k, v) for k, v in pairs if len(lines[k.value]) == 1], ok

    def value(self, node: Node, path: list[str]) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            return self.refuse(path[:1], f"expands to more than {MAX_NODES} values")
        if len(path) > MAX_DEPTH:
            # Only a recursive alias (&a [*a]) gets here: composing already bounds real depth.
            return self.refuse(path[:1], f"is nested deeper than {MAX_DEPTH} levels")
        tag = node.tag.removeprefix(_TAG)
        if isinstance(node, ScalarNode):
            return self.scalar(node, tag, path)
        if isinstance(node, SequenceNode):
            if tag != "seq":
                return self.refuse(path, f"has the YAML tag {_tag(node)}; tags are not allowed")
            items = [self.value(item, [*path, f"[{i}]"]) for i, item in enumerate(node.value)]
            return _INVALID if any(i is _INVALID for i in items) else items
        if isinstance(node, MappingNode):
            if tag != "map":
                return self.refuse(path, f"has the YAML tag {_tag(node)}; tags are not allowed")
            pairs, ok = self.pairs(node, path, path[0])
            out: dict[str, Any] = {}
            for key_node, value_node in pairs:
                item = self.value(value_node, [*path, key_node.value])
                ok = ok and item is not _INVALID
                out[key_node.value] = item
            return out if ok else _INVALID
        return self.refuse(path, "is not a YAML value")

    def scalar(self, node: ScalarNode, tag: str, path: list[str]) -> Any:
        if tag == "str":
            return node.value
        if tag == "null":
            return None
        if tag == "bool":
            if node.value not in _BOOLS:
                # YAML 1.1 (PyYAML) reads yes/no/on/off as booleans, YAML 1.2 (the Pulumi CLI)
                # as text: the two readers would disagree.
                return self.refuse(
                    path,
                    "is read as a boolean by some YAML readers and as text by others; write true or false, or quote it",
                )
            return node.value.lower() == "true"
        if tag == "int":
            if not _PLAIN_INT.fullmatch(node.value) or len(node.value.lstrip("+-")) > MAX_INT_DIGITS:
                return self.refuse(
                    path,
                    f"is not a plain whole number (decimal digits, at most {MAX_INT_DIGITS}; no leading zeros, "
                    "no octal, hex or 1:30 forms); quote it if text is meant",
                )
            return int(node.value)
        if tag == "float":
            if len(node.value) > 40:
                return self.refuse(path, "is a number too long to be meant")
            return _SAFE[_TAG + "float"](self.constructor, node)
        if tag == "timestamp":
            return self.refuse(path, "is read by YAML as a date or time; quote it if text is meant")
        return self.refuse(path, f"has the YAML tag {_tag(node)}; tags are not allowed (quote the value)")
