"""IRIs used by the tool's statements (platform-facts "IRIs"; ADL video profile; TinCan registry)."""

from typing import Final

# Verbs
INITIALIZED: Final = "http://adlnet.gov/expapi/verbs/initialized"
PLAYED: Final = "https://w3id.org/xapi/video/verbs/played"
PAUSED: Final = "https://w3id.org/xapi/video/verbs/paused"
SEEKED: Final = "https://w3id.org/xapi/video/verbs/seeked"
COMPLETED: Final = "http://adlnet.gov/expapi/verbs/completed"
TERMINATED: Final = "http://adlnet.gov/expapi/verbs/terminated"
# Reading: ADL "experienced" when an article is opened (ADL's verb for "encountered, no completion
# implied"; preferred over TinCan "viewed" because ADL verbs are what LRS dashboards know), ADL
# "completed" (with result.completion = true) when read to the end.
EXPERIENCED: Final = "http://adlnet.gov/expapi/verbs/experienced"
POSTED: Final = "https://w3id.org/xapi/acrossx/verbs/posted"
REPLIED: Final = "http://id.tincanapi.com/verb/replied"
COMMENTED: Final = "http://adlnet.gov/expapi/verbs/commented"
SUBMITTED: Final = "http://activitystrea.ms/submit"
SCORED: Final = "http://adlnet.gov/expapi/verbs/scored"
# A submission sent back for revision. No ADL verb says this; the xAPI registry's ActivityStreams
# "return" ("the actor has returned the object") does, spelt http://activitystrea.ms/schema/1.0/return
# there (the short http://activitystrea.ms/return is not registered). Its actor is the tutor who
# returns the work; the object is the learner's submission activity.
RETURNED: Final = "http://activitystrea.ms/schema/1.0/return"
PASSED: Final = "http://adlnet.gov/expapi/verbs/passed"
FAILED: Final = "http://adlnet.gov/expapi/verbs/failed"
ATTENDED: Final = "http://adlnet.gov/expapi/verbs/attended"
LAUNCHED: Final = "http://adlnet.gov/expapi/verbs/launched"
VOIDED: Final = "http://adlnet.gov/expapi/verbs/voided"

VERB_DISPLAY: Final[dict[str, tuple[str, str]]] = {
    INITIALIZED: ("初始化", "initialized"),
    PLAYED: ("播放", "played"),
    PAUSED: ("暂停", "paused"),
    SEEKED: ("拖动", "seeked"),
    COMPLETED: ("完成", "completed"),
    TERMINATED: ("结束", "terminated"),
    EXPERIENCED: ("阅读", "experienced"),
    POSTED: ("发帖", "posted"),
    REPLIED: ("回复", "replied"),
    COMMENTED: ("评论", "commented"),
    SUBMITTED: ("提交", "submitted"),
    SCORED: ("评分", "scored"),
    RETURNED: ("退回修改", "returned"),
    PASSED: ("通过", "passed"),
    FAILED: ("未通过", "failed"),
    ATTENDED: ("出席", "attended"),
    LAUNCHED: ("进入", "launched"),
    VOIDED: ("作废", "voided"),
}

# Activity types
VIDEO: Final = "https://w3id.org/xapi/video/activity-type/video"
VIDEO_PROFILE: Final = "https://w3id.org/xapi/video"
ARTICLE: Final = "http://id.tincanapi.com/activitytype/resource"
DISCUSSION: Final = "http://id.tincanapi.com/activitytype/discussion"
FORUM_TOPIC: Final = "http://id.tincanapi.com/activitytype/forum-topic"
FORUM_REPLY: Final = "http://id.tincanapi.com/activitytype/forum-reply"
ASSIGNMENT: Final = "http://id.tincanapi.com/activitytype/school-assignment"
MEETING: Final = "http://id.tincanapi.com/activitytype/meeting"
COURSE: Final = "http://adlnet.gov/expapi/activities/course"
GROUP: Final = "http://id.tincanapi.com/activitytype/group"
LTI_LINK: Final = "http://adlnet.gov/expapi/activities/link"
# Type of a category activity naming a profile (the video profile's required category).
PROFILE: Final = "http://adlnet.gov/expapi/activities/profile"

# Video extensions (ADL video profile)
EXT_TIME: Final = "https://w3id.org/xapi/video/extensions/time"
EXT_TIME_FROM: Final = "https://w3id.org/xapi/video/extensions/time-from"
EXT_TIME_TO: Final = "https://w3id.org/xapi/video/extensions/time-to"
EXT_PROGRESS: Final = "https://w3id.org/xapi/video/extensions/progress"
EXT_PLAYED_SEGMENTS: Final = "https://w3id.org/xapi/video/extensions/played-segments"
EXT_SESSION_ID: Final = "https://w3id.org/xapi/video/extensions/session-id"
EXT_LENGTH: Final = "https://w3id.org/xapi/video/extensions/length"
EXT_COMPLETION_THRESHOLD: Final = "https://w3id.org/xapi/video/extensions/completion-threshold"
EXT_SPEED: Final = "https://w3id.org/xapi/video/extensions/speed"


# The tool's own extensions: names under tool_extension(base, name), e.g.
# https://yanxiu.example/xapi/extensions/hours. The base is each deployment's public URL.
EXT_HOURS: Final = "hours"  # result: study hours (学时) credited for an offline session
EXT_ATTENDANCE_STATUS: Final = "attendance-status"  # result: present / late / absent / excused
EXT_LEARNER_EMAIL: Final = "learner-email"  # context: mailto:, only when the host allows sharing it


def tool_extension(base: str, name: str) -> str:
    """The tool's own extension IRIs (e.g. attended hours), under its public base URL."""
    return base.rstrip("/") + "/xapi/extensions/" + name
