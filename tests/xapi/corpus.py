"""A corpus of xAPI statements for the validator: valid bases (every builder kind plus hand-written
generic statements, 1.0.3 and 2.0.0) and known-bad mutations applied to each of them.

Used by test_validate_corpus.py (Ralph as the oracle) and by xapi/_bench.py's test-side twin.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from xapi import BUILDERS, build_statement

from .test_builders import event

Statement = dict[str, Any]
UUID1 = "3b8d7f39-6d0d-4fb3-9f0e-3f2f6a3b1c11"
UUID2 = "c2b1c0f4-8f5e-4a0e-9b8e-7d2f0d2a1b33"
ACT = "https://yanxiu.example.cn/xapi/activities/a/9"
AGENT = {"objectType": "Agent", "mbox": "mailto:teacher@example.com", "name": "李老师"}
SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _generic() -> dict[str, Statement]:
    """Hand-written statements exercising every optional part of xAPI 1.0.3 (and 2.0.0)."""
    full: Statement = {
        "id": UUID1,
        "actor": AGENT,
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/answered",
            "display": {"en-US": "answered", "zh-Hans-CN": "回答"},
        },
        "object": {
            "objectType": "Activity",
            "id": ACT,
            "definition": {
                "name": {"zh-CN": "第一题"},
                "description": {"en": "Question one"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "moreInfo": "https://yanxiu.example.cn/help/q1",
                "extensions": {"https://yanxiu.example.cn/xapi/extensions/difficulty": 3},
            },
        },
        "result": {
            "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "答案 B",
            "duration": "PT1H30M5.25S",
            "extensions": {"https://yanxiu.example.cn/xapi/extensions/tries": 2},
        },
        "context": {
            "registration": UUID2,
            "instructor": {"mbox_sha1sum": SHA1},
            "team": {"objectType": "Group", "name": "一组", "member": [AGENT]},
            "contextActivities": {
                "parent": {"id": "https://yanxiu.example.cn/xapi/activities/workshop/1"},
                "grouping": [{"id": "https://moodle.example.cn/course/2", "objectType": "Activity"}],
                "other": [],
            },
            "revision": "r2",
            "platform": "研修 Yanxiu",
            "language": "zh-CN",
            "statement": {"objectType": "StatementRef", "id": UUID2},
            "extensions": {"https://yanxiu.example.cn/xapi/extensions/empty-ok": ""},
        },
        "timestamp": "2026-11-22T18:00:00.123+08:00",
        "stored": "2026-11-22T10:00:01Z",
        "authority": {"objectType": "Agent", "account": {"homePage": "https://yanxiu.example.cn", "name": "tool"}},
        "version": "1.0.3",
        "attachments": [
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "description": {"zh-CN": "签名"},
                "contentType": "application/octet-stream",
                "length": 4235,
                "sha2": SHA256,
                "fileUrl": "https://yanxiu.example.cn/files/sig.bin",
            }
        ],
    }
    group_actor = {
        "actor": {
            "objectType": "Group",
            "name": "二组",
            "account": {"homePage": "https://moodle.example.cn", "name": "g2"},
            "member": [{"openid": "https://openid.example.com/u/1"}],
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
        "object": {"id": "https://yanxiu.example.cn/xapi/activities/meeting/3"},
    }
    anonymous = {
        "actor": {"objectType": "Group", "member": [{"mbox_sha1sum": SHA1}, AGENT]},
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/posted"},
        "object": {"id": ACT, "definition": {"type": "http://id.tincanapi.com/activitytype/forum-topic"}},
    }
    agent_object = {
        "actor": AGENT,
        "verb": {"id": "http://id.tincanapi.com/verb/mentored", "display": {"en-US": "mentored"}},
        "object": {"objectType": "Agent", "account": {"homePage": "https://moodle.example.cn", "name": "7"}},
        "context": {"registration": UUID1, "language": "en-GB"},
    }
    voiding = {
        "id": UUID2,
        "actor": AGENT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": UUID1},
        "timestamp": "2026-11-22T10:00:00Z",
    }
    sub_statement = {
        "actor": AGENT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/planned"},
        "object": {
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:student@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": ACT},
            "result": {"completion": False},
            "context": {"platform": "研修", "contextActivities": {"category": {"id": "https://w3id.org/xapi/video"}}},
            "timestamp": "2026-12-01T09:00:00Z",
        },
    }
    interaction = {
        "actor": AGENT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {
            "id": ACT,
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["a[,]b"],
                "choices": [{"id": "a", "description": {"zh-CN": "甲"}}, {"id": "b"}],
            },
        },
        "result": {"response": "a[,]b", "success": True},
    }
    v2_with_context_agents = {
        "id": "5e1a0c4b-8b0a-4d8e-9e6b-0c2b0a1b2c3d",
        "actor": AGENT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": ACT},
        "context": {
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"mbox": "mailto:mentor@example.com"},
                    "relevantTypes": ["https://yanxiu.example.cn/xapi/roles/mentor"],
                }
            ],
            "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [AGENT]}}],
        },
        "timestamp": "2026-11-22T10:00:00.000Z",
        "version": "2.0.0",
    }
    v2_plain = {
        "actor": AGENT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
        "object": {"id": ACT},
        "version": "2.0.0",
    }
    return {
        "generic.full": full,
        "generic.group_actor": group_actor,
        "generic.anonymous_group": anonymous,
        "generic.agent_object": agent_object,
        "generic.voiding": voiding,
        "generic.sub_statement": sub_statement,
        "generic.interaction": interaction,
        "v2.context_agents": v2_with_context_agents,
        "v2.plain": v2_plain,
    }


def valid_bases() -> dict[str, Statement]:
    """Every builder kind's statement plus the generic ones; all valid for our validator."""
    bases = {f"builder.{kind}": build_statement(kind, event(kind)) for kind in sorted(BUILDERS)}
    bases.update(_generic())
    return bases


# Bases Ralph rejects and we accept on purpose: xAPI 2.0.0 statements from outside must be taken
# (Ralph 5's version pattern is ^1\.0\.[0-9]+$ and it knows no contextAgents/contextGroups).
LOOSER_BASES = {"v2.context_agents", "v2.plain"}


def corpus_cases() -> Iterator[tuple[str, Statement, Any]]:
    """(case id, statement, mutation or None): each valid base, then each applicable mutation of it."""
    from .mutations import MUTATIONS

    for base_name, base in valid_bases().items():
        yield base_name, base, None
        for mutation in MUTATIONS:
            statement = copy.deepcopy(base)
            if mutation.apply(statement) is False:
                continue
            yield f"{base_name}+{mutation.name}", statement, mutation


def corpus() -> list[Statement]:
    """Just the statements (for the benchmark)."""
    return [statement for _, statement, _ in corpus_cases()]
