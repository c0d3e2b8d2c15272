"""YAML that remembers where things are, and refuses what YAML lets slide.

PyYAML keeps the last of two duplicate keys without a word and expands
aliases; a policy needs neither. We compose the node tree, record the line of
every mapping key and sequence item by its path, reject duplicates, aliases
and merge keys, then construct plain data with the safe constructor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import yaml

from veil.errors import PolicyError

Path = tuple[str, ...]


class _Loader(yaml.SafeLoader):
    """A private subclass, so nothing here touches PyYAML's shared SafeLoader."""


@dataclass(frozen=True, slots=True)
class Located:
    """Parsed YAML data plus the 1-based line of each key path."""

    data: object
    lines: Mapping[Path, int]

    def locate(self, loc: Sequence[str | int]) -> tuple[int, str]:
        """Line and dotted field name for a pydantic-style error location."""
        parts = [part for part in loc if part != "[key]"]  # pydantic's dict-key marker
        path: Path = ()
        line = 1
        for part in parts:
            candidate = (*path, str(part))
            if candidate in self.lines:
                path, line = candidate, self.lines[candidate]
        return line, format_field(parts)


def format_field(parts: Sequence[str | int]) -> str:
    """``("overrides", 0, "rules", "PERSON")`` -> ``overrides[0].rules.PERSON``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def load_yaml(text: str, file: str) -> Located:
    """Parse one YAML document; PolicyError (with file and line) on anything odd."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # checked up front for str input
        line = text[: exc.position].count("\n") + 1
        raise PolicyError(
            "control characters are not allowed in YAML", file=file, line=line
        ) from None
    try:
        return _compose(loader, file)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except RecursionError:
        raise PolicyError("the YAML is nested too deeply", file=file) from None
    finally:
        loader.dispose()


def _compose(loader: _Loader, file: str) -> Located:
    node = loader.get_single_node()
    if node is None:
        raise PolicyError(
            "the file is empty; a policy starts with 'veil: policy/v1'", file=file, line=1
        )
    lines = dict(_key_lines(node, file))
    return Located(loader.construct_document(node), lines)


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> PolicyError:
    # Only exc.problem: str(exc) quotes a snippet of the file.
    mark = exc.problem_mark or exc.context_mark
    message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
    if "alias" in f"{exc.problem} {exc.context}":
        message += ' (a catch-all rule key must be quoted: "*")'
    return PolicyError(message, file=file, line=mark.line + 1 if mark else None)


def _key_lines(root: yaml.Node, file: str) -> Iterator[tuple[Path, int]]:
    """Walk iteratively; each node is visited once, so an alias is caught, not expanded."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path, int]] = [(root, (), 1)]
    while stack:
        node, path, line = stack.pop()
        if id(node) in seen:
            raise PolicyError(
                "YAML aliases (*name) are not supported in policies; write it out",
                file=file,
                line=line,
                field=format_field(path),
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = list(_mapping_children(node, path, file))
        elif isinstance(node, yaml.SequenceNode):
            children = [
                (item, (*path, str(i)), item.start_mark.line + 1)
                for i, item in enumerate(node.value)
            ]
        else:
            continue
        yield from ((child_path, child_line) for _, child_path, child_line in children)
        stack.extend(reversed(children))  # reversed: visit in document order


def _mapping_children(
    node: yaml.MappingNode, path: Path, file: str
) -> Iterator[tuple[yaml.Node, Path, int]]:
    """Children of a mapping with the line of their key (where a reader looks)."""
    first_line: dict[str, int] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            raise PolicyError(
                "mapping keys must be plain names (no merge keys or complex keys)",
                file=file,
                line=line,
                field=format_field(path),
            )
        name = str(key.value)
        if name in first_line:
            raise PolicyError(
                f"duplicate key '{name}' (first on line {first_line[name]}); "
                "YAML would silently keep only the last one, so merge them",
                file=file,
                line=line,
                field=format_field((*path, name)),
            )
        first_line[name] = line
        yield value, (*path, name), line
