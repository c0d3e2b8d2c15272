"""Policy text -> validated document, or one PolicyError that names file, line and field."""

from __future__ import annotations

from pydantic import ValidationError

from veil.errors import PolicyError

from ._checks import Problem, check_document, validation_problems, with_filled_params
from ._schema import PolicyDocument
from ._yaml import Located, load_yaml


def parse_document(text: str, file: str) -> PolicyDocument:
    """Parse and validate a policy; defaults are filled in so the hash pins behaviour."""
    located = load_yaml(text, file)
    if not isinstance(located.data, dict):
        raise PolicyError(
            "a policy is a YAML mapping that starts with 'veil: policy/v1'", file=file, line=1
        )
    try:
        doc = PolicyDocument.model_validate(located.data)
    except ValidationError as exc:
        raise _first(validation_problems(exc), located, file) from None
    problems = check_document(doc)
    if problems:
        raise _first(problems, located, file)
    return with_filled_params(doc)


def _first(problems: list[Problem], located: Located, file: str) -> PolicyError:
    """The earliest problem in the file; the message counts the rest."""
    placed = sorted(((*located.locate(p.loc), p.message) for p in problems), key=lambda t: t[0])
    line, field, message = placed[0]
    if len(placed) > 1:
        message += f" (and {len(placed) - 1} more problem(s) after this one)"
    return PolicyError(message, file=file, line=line, field=field or None)
