"""The LTI 1.3 platform simulator ("devlms"): the strict test platform and the demo's LMS.

A standalone Flask app shaped like Moodle 4.x or Open edX lti-consumer-xblock 11.x; it imports
nothing else from `lti_tool`. Importing it starts nothing: call `create_platform_app(config)`.
State lives in memory (one process, threads): see `state.PlatformState`.
"""

from .app import create_platform_app
from .config import PlatformConfig, ToolEndpoints
from .demo_data import DEMO_COURSE, DemoCourse, DemoUser
from .driver import FormPost, LaunchDriver, LaunchError, LoginStep
from .state import PlatformState

__all__ = [
    "DEMO_COURSE",
    "DemoCourse",
    "DemoUser",
    "FormPost",
    "LaunchDriver",
    "LaunchError",
    "LoginStep",
    "PlatformConfig",
    "PlatformState",
    "ToolEndpoints",
    "create_platform_app",
]
