"""Known-bad mutations of valid statements. Each names the JSON path our validator must report.

`stricter` gives the reason when xAPI 1.0.3 (or our policy) rejects what Ralph's
BaseXapiStatement accepts; every such mutation is listed here explicitly, nowhere else.
"""

from __future__ import annotations

from .mutation_kit import (
    SHA1,
    SUB,
    UUID,
    Mutation,
    actor,
    attachment,
    context,
    context_agents_in_1_0,
    definition,
    delete,
    nested_sub,
    platform_on_non_activity,
    score,
    set_path,
    sub_with,
    with_activity,
)

MUTATIONS: list[Mutation] = [
    # top level
    Mutation("unknown_top_level", "foo", set_path("foo", 1)),
    Mutation("null_result", "result", set_path("result", None, require=False)),
    Mutation("id_not_uuid", "id", set_path("id", "statement-1", require=False)),
    Mutation(
        "id_without_hyphens",
        "id",
        set_path("id", UUID.replace("-", ""), require=False),
        stricter="xAPI ids are UUIDs in the canonical 8-4-4-4-12 form; Ralph also takes 32 bare hex digits",
    ),
    Mutation(
        "id_urn",
        "id",
        set_path("id", "urn:uuid:" + UUID, require=False),
        stricter="a urn:uuid: prefix is not the xAPI UUID form (Ralph strips it)",
    ),
    Mutation("version_short", "version", set_path("version", "1.0", require=False)),
    Mutation("version_3", "version", set_path("version", "3.0.0", require=False)),
    Mutation("version_2", "", set_path("version", "2.0.0", require=False), looser=True),
    Mutation("timestamp_words", "timestamp", set_path("timestamp", "yesterday", require=False)),
    Mutation("timestamp_feb_30", "timestamp", set_path("timestamp", "2026-02-30T10:00:00Z", require=False)),
    Mutation(
        "timestamp_naive",
        "timestamp",
        set_path("timestamp", "2026-11-22T10:00:00", require=False),
        stricter="a timestamp without a time zone is ambiguous (xAPI requires one; Ralph takes naive)",
    ),
    Mutation(
        "timestamp_date_only",
        "timestamp",
        set_path("timestamp", "2026-11-22", require=False),
        stricter="xAPI timestamps are date-times (Ralph accepts a bare date)",
    ),
    Mutation(
        "timestamp_epoch_number",
        "timestamp",
        set_path("timestamp", 1763805600, require=False),
        stricter="xAPI timestamps are ISO 8601 strings (Ralph accepts a Unix epoch number)",
    ),
    Mutation(
        "timestamp_space",
        "timestamp",
        set_path("timestamp", "2026-11-22 10:00:00Z", require=False),
        stricter="ISO 8601 / RFC 3339 need the 'T' separator (Ralph accepts a space)",
    ),
    Mutation("stored_bad", "stored", set_path("stored", "2026-13-01T00:00:00Z", require=False)),
    Mutation("authority_no_ifi", "authority", set_path("authority", {"name": "tool"}, require=False)),
    # actor
    Mutation("actor_missing", "actor", delete("actor")),
    Mutation("actor_two_ifis", "actor", actor({"mbox": "mailto:a@example.com", "mbox_sha1sum": SHA1})),
    Mutation("actor_no_ifi", "actor", actor({"objectType": "Agent", "name": "王"})),
    Mutation("actor_mbox_no_mailto", "actor.mbox", actor({"mbox": "a@example.com"})),
    Mutation("actor_mbox_reserved_domain", "actor.mbox", actor({"mbox": "mailto:a@example.invalid"})),
    Mutation("actor_mbox_no_dot", "actor.mbox", actor({"mbox": "mailto:a@localhost"})),
    Mutation("actor_mbox_double_dot", "actor.mbox", actor({"mbox": "mailto:a..b@example.com"})),
    Mutation("actor_sha1_upper", "actor.mbox_sha1sum", actor({"mbox_sha1sum": SHA1.upper()})),
    Mutation("actor_sha1_short", "actor.mbox_sha1sum", actor({"mbox_sha1sum": SHA1[:39]})),
    Mutation(
        "actor_openid_not_iri",
        "actor.openid",
        actor({"openid": "not an iri"}),
        stricter="openid is an IRI in xAPI (Ralph types it as any string)",
    ),
    Mutation(
        "actor_home_page_not_iri", "actor.account.homePage", actor({"account": {"homePage": "moodle", "name": "1"}})
    ),
    Mutation(
        "actor_account_name_empty",
        "actor.account.name",
        actor({"account": {"homePage": "https://m.example.com", "name": ""}}),
    ),
    Mutation(
        "actor_account_name_number",
        "actor.account.name",
        actor({"account": {"homePage": "https://m.example.com", "name": 42}}),
    ),
    Mutation(
        "actor_account_extra",
        "actor.account.email",
        actor({"account": {"homePage": "https://m.example.com", "name": "1", "email": "x"}}),
    ),
    Mutation("actor_name_empty", "actor.name", actor({"mbox": "mailto:a@example.com", "name": ""})),
    Mutation("actor_object_type", "actor.objectType", actor({"objectType": "Person", "mbox": "mailto:a@example.com"})),
    Mutation("actor_member_on_agent", "actor.member", actor({"mbox": "mailto:a@example.com", "member": []})),
    Mutation(
        "actor_group_in_group",
        "actor.member[0].objectType",
        actor({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:a@example.com"}]}),
    ),
    Mutation(
        "actor_anonymous_group_empty",
        "actor.member",
        actor({"objectType": "Group", "member": []}),
        stricter="an anonymous group with no member identifies nobody (xAPI 2.4.2.2); Ralph accepts []",
    ),
    # verb
    Mutation("verb_missing", "verb", delete("verb")),
    Mutation("verb_id_word", "verb.id", set_path("verb.id", "played")),
    Mutation("verb_id_relative", "verb.id", set_path("verb.id", "/verbs/played")),
    Mutation("verb_id_space", "verb.id", set_path("verb.id", "http://example.com/my verb")),
    Mutation("verb_display_empty", "verb.display", set_path("verb.display", {})),
    Mutation("verb_display_unknown_tag", "verb.display", set_path("verb.display", {"xx-YY": "played"})),
    Mutation(
        "verb_display_underscore_tag",
        "verb.display",
        set_path("verb.display", {"en_US": "played"}),
        stricter="RFC 5646 tags use '-'; langcodes (Ralph) normalises 'en_US'",
    ),
    Mutation("verb_display_empty_text", "verb.display", set_path("verb.display", {"en-US": ""})),
    Mutation("verb_display_number", "verb.display", set_path("verb.display", {"en-US": 5})),
    Mutation("verb_extra", "verb.name", set_path("verb.name", "x")),
    # object
    Mutation("object_missing", "object", delete("object")),
    Mutation("object_type_unknown", "object.objectType", set_path("object.objectType", "Thing")),
    Mutation("object_activity_id_word", "object.id", with_activity(lambda a: a.__setitem__("id", "activity 1"))),
    Mutation("object_activity_extra", "object.name", with_activity(lambda a: a.__setitem__("name", "x"))),
    Mutation("object_definition_empty", "object.definition", with_activity(lambda a: a.__setitem__("definition", {}))),
    Mutation("object_definition_type_word", "object.definition.type", definition("type", "video")),
    Mutation("object_definition_name_tag", "object.definition.name", definition("name", {"zz": "x"})),
    Mutation("object_definition_extra", "object.definition.title", definition("title", "x")),
    Mutation("object_more_info_relative", "object.definition.moreInfo", definition("moreInfo", "/help")),
    Mutation(
        "object_more_info_port", "object.definition.moreInfo", definition("moreInfo", "https://example.com:99999/")
    ),
    Mutation("object_extensions_key", "object.definition.extensions", definition("extensions", {"difficulty": 1})),
    Mutation("object_interaction_type", "object.definition", definition("interactionType", "essay")),
    Mutation(
        "object_pattern_without_type",
        "object.definition.correctResponsesPattern",
        with_activity(lambda a: a.__setitem__("definition", {"correctResponsesPattern": ["a"]})),
    ),
    Mutation(
        "object_choices_wrong_type",
        "object.definition.choices",
        with_activity(lambda a: a.__setitem__("definition", {"interactionType": "likert", "choices": [{"id": "a"}]})),
        stricter="xAPI 1.0.3 §2.4.4.1.1: likert takes `scale`, not `choices` (Ralph does not check pairing)",
    ),
    Mutation(
        "object_duplicate_choice_ids",
        "object.definition.choices[1].id",
        with_activity(
            lambda a: a.__setitem__("definition", {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]})
        ),
    ),
    Mutation(
        "object_choice_id_space",
        "object.definition.choices[0].id",
        with_activity(lambda a: a.__setitem__("definition", {"interactionType": "choice", "choices": [{"id": "a b"}]})),
    ),
    Mutation(
        "object_agent_without_object_type",
        "object",
        set_path("object", {"mbox": "mailto:a@example.com"}),
        stricter="an object without objectType is an Activity (xAPI 2.4.4); Ralph guesses Agent",
    ),
    Mutation("object_ref_bad_uuid", "object.id", set_path("object", {"objectType": "StatementRef", "id": "nope"})),
    Mutation(
        "object_ref_extra",
        "object.definition",
        set_path("object", {"objectType": "StatementRef", "id": UUID, "definition": {"type": "http://x.y/z"}}),
    ),
    Mutation("object_group_no_members", "object.member", set_path("object", {"objectType": "Group", "name": "g"})),
    Mutation("sub_statement_with_id", "object.id", sub_with("id", UUID)),
    Mutation("sub_statement_with_stored", "object.stored", sub_with("stored", "2026-11-22T10:00:00Z")),
    Mutation("sub_statement_with_version", "object.version", sub_with("version", "1.0.0")),
    Mutation("sub_statement_nested", "object.object.objectType", nested_sub),
    Mutation(
        "sub_statement_agent_object",
        "object.object.objectType",
        sub_with("object", {"objectType": "Agent", "mbox": "mailto:a@example.com"}),
    ),
    Mutation(
        "sub_statement_no_verb",
        "object.verb",
        lambda s: s.__setitem__("object", {k: v for k, v in SUB.items() if k != "verb"}),
    ),
    # result
    Mutation("result_empty", "result", set_path("result", {}, require=False)),
    Mutation("result_extra", "result.grade", set_path("result", {"grade": "A"}, require=False)),
    Mutation("score_scaled_high", "result.score.scaled", score(scaled=1.5)),
    Mutation("score_raw_above_max", "result.score.raw", score(raw=120, min=0, max=100)),
    Mutation("score_min_above_max", "result.score.max", score(min=10, max=5)),
    Mutation(
        "score_raw_below_zero_min",
        "result.score.raw",
        score(raw=-5, min=0, max=10),
        stricter="raw must lie between min and max (xAPI 4.1.5.1); Ralph skips the check when min is 0",
    ),
    Mutation(
        "score_min_equals_max",
        "result.score.max",
        score(raw=5, min=5, max=5),
        stricter="max must be greater than min (xAPI 4.1.5.1); Ralph only refuses min > max",
    ),
    Mutation(
        "score_string",
        "result.score.scaled",
        score(scaled="0.5"),
        stricter="scores are JSON numbers; Ralph's lax Decimal accepts numeric strings",
    ),
    Mutation("score_nan", "result.score.scaled", score(scaled=float("nan"))),
    Mutation("score_empty", "result.score", score()),
    Mutation("success_string", "result.success", set_path("result", {"success": "true"}, require=False)),
    Mutation("completion_int", "result.completion", set_path("result", {"completion": 1}, require=False)),
    Mutation("response_empty", "result.response", set_path("result", {"response": ""}, require=False)),
    Mutation("duration_words", "result.duration", set_path("result", {"duration": "90 seconds"}, require=False)),
    Mutation("duration_bare_t", "result.duration", set_path("result", {"duration": "PT"}, require=False)),
    Mutation(
        "duration_seconds_number",
        "result.duration",
        set_path("result", {"duration": 90}, require=False),
        stricter="durations are ISO 8601 strings; Ralph's timedelta accepts a number of seconds",
    ),
    Mutation(
        "duration_clock",
        "result.duration",
        set_path("result", {"duration": "1:30:00"}, require=False),
        stricter="'1:30:00' is not an ISO 8601 duration (Ralph's timedelta accepts it)",
    ),
    Mutation(
        "result_extensions_key", "result.extensions", set_path("result", {"extensions": {"time": 1}}, require=False)
    ),
    Mutation("result_extensions_empty", "result.extensions", set_path("result", {"extensions": {}}, require=False)),
    # context
    Mutation("context_extra", "context.location", context("location", "Beijing")),
    Mutation("registration_bad", "context.registration", context("registration", "reg-1")),
    Mutation(
        "registration_braces",
        "context.registration",
        context("registration", "{" + UUID + "}"),
        stricter="registration is a canonical UUID (Ralph strips braces)",
    ),
    Mutation(
        "instructor_group",
        "context.instructor",
        context("instructor", {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}),
    ),
    Mutation("team_agent", "context.team", context("team", {"mbox": "mailto:a@example.com"})),
    Mutation("context_activities_empty", "context.contextActivities", context("contextActivities", {})),
    Mutation(
        "context_activities_key", "context.contextActivities.parents", context("contextActivities", {"parents": []})
    ),
    Mutation(
        "context_parent_word",
        "context.contextActivities.parent.id",
        context("contextActivities", {"parent": {"id": "workshop"}}),
    ),
    Mutation(
        "context_grouping_type",
        "context.contextActivities.grouping[0].objectType",
        context("contextActivities", {"grouping": [{"objectType": "Agent", "id": "http://x.y/z"}]}),
    ),
    Mutation(
        "context_parent_definition_empty_in_list",
        "context.contextActivities.parent[0].definition",
        context("contextActivities", {"parent": [{"id": "http://x.y/z", "definition": {}}]}),
        stricter="empty objects are refused everywhere; Ralph's empty-value check does not look inside lists",
    ),
    Mutation("context_language_unknown", "context.language", context("language", "xx")),
    Mutation(
        "context_language_underscore",
        "context.language",
        context("language", "zh_CN"),
        stricter="RFC 5646 tags use '-' (langcodes normalises '_')",
    ),
    Mutation("context_platform_empty", "context.platform", context("platform", "")),
    Mutation("context_platform_non_activity", "context", platform_on_non_activity),
    Mutation("context_statement_not_ref", "context.statement.objectType", context("statement", {"id": UUID})),
    Mutation("context_extensions_key", "context.extensions", context("extensions", {"session": 1})),
    Mutation("context_agents_in_1_0", "context.contextAgents", context_agents_in_1_0),
    # attachments
    Mutation(
        "attachments_object", "attachments", set_path("attachments", {"usageType": "http://x.y/z"}, require=False)
    ),
    Mutation("attachment_usage_word", "attachments[0].usageType", attachment(usageType="signature")),
    Mutation("attachment_no_display", "attachments[0].display", attachment(display=None)),
    Mutation(
        "attachment_length_text",
        "attachments[0].length",
        attachment(length="10"),
        stricter="length is an integer (Ralph's lax int accepts '10')",
    ),
    Mutation("attachment_length_float", "attachments[0].length", attachment(length=10.5)),
    Mutation(
        "attachment_sha2_word",
        "attachments[0].sha2",
        attachment(sha2="abc"),
        stricter="sha2 is a hex SHA-2 digest (Ralph takes any string)",
    ),
    Mutation("attachment_extra", "attachments[0].data", attachment(data="...")),
    Mutation("attachment_file_url_relative", "attachments[0].fileUrl", attachment(fileUrl="files/sig.bin")),
]
