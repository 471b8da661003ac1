"""Ralph's strict models as the oracle for statement validity."""

from __future__ import annotations

from typing import Any

import pydantic
from ralph.models.xapi.base.statements import BaseXapiStatement


def ralph_accepts(statement: dict[str, Any]) -> bool:
    try:
        BaseXapiStatement.model_validate(statement)
    except pydantic.ValidationError:
        return False
    except (KeyError, TypeError, ValueError):
        # Ralph 5.1's root validator crashes (KeyError 'object') on a statement with a context but
        # no object; an LRS would answer 400, so a crash counts as a rejection.
        return False
    return True
