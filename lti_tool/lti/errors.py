"""Launch problems as named errors, shown to the user in their language and logged as one line."""

from __future__ import annotations

from dataclasses import dataclass

# code -> (HTTP status, Chinese, English). The user sees the message; admins see the code in logs.
MESSAGES: dict[str, tuple[int, str, str]] = {
    "missing_param": (400, "缺少必需的参数：{detail}", "A required parameter is missing: {detail}"),
    "unknown_platform": (
        400,
        "未登记的平台（issuer 或 client_id 不符）：{detail}",
        "This platform is not registered (issuer or client_id unknown): {detail}",
    ),
    "unknown_deployment": (403, "未登记的部署 ID：{detail}", "Unknown deployment id: {detail}"),
    "bad_token": (400, "身份令牌格式错误：{detail}", "The id_token is malformed: {detail}"),
    "bad_algorithm": (
        400,
        "身份令牌使用了不被接受的签名算法：{detail}（只接受 RS256）",
        "The id_token uses a signature algorithm that is not accepted: {detail} (only RS256)",
    ),
    "bad_signature": (400, "身份令牌签名无效：{detail}", "The id_token signature is invalid: {detail}"),
    "unknown_key": (
        400,
        "平台公钥集中找不到签名密钥（kid={detail}）",
        "The platform key set has no key with kid={detail}",
    ),
    "jwks_unavailable": (
        502,
        "无法获取平台公钥集：{detail}",
        "The platform's public key set could not be fetched: {detail}",
    ),
    "expired": (400, "身份令牌已过期，请回到课程重新进入。", "The id_token has expired; launch again from the course."),
    "bad_audience": (
        400,
        "身份令牌的接收方（aud）不是本工具：{detail}",
        "The id_token audience is not this tool: {detail}",
    ),
    "bad_issuer": (400, "身份令牌的签发方（iss）不符：{detail}", "The id_token issuer does not match: {detail}"),
    "missing_claim": (400, "身份令牌缺少必需的声明：{detail}", "The id_token lacks a required claim: {detail}"),
    "bad_claim": (400, "身份令牌的声明无效：{detail}", "The id_token has an invalid claim: {detail}"),
    "replayed_nonce": (
        400,
        "该次进入已被使用过（nonce 重放），请回到课程重新进入。",
        "This launch was already used (nonce replayed); launch again from the course.",
    ),
    "bad_state": (
        400,
        "登录状态无效或已过期（state），请回到课程重新进入。",
        "The login state is invalid or expired; launch again from the course.",
    ),
    "not_deep_link": (400, "这不是内容选择（deep linking）请求。", "This is not a deep linking request."),
    "session_expired": (
        401,
        "会话已过期或浏览器阻止了 Cookie，请回到课程重新进入。",
        "Your session expired or the browser blocked cookies; launch again from the course.",
    ),
    "forbidden": (403, "您没有权限执行此操作。", "You are not allowed to do this."),
    "registration_failed": (400, "动态注册失败：{detail}", "Dynamic registration failed: {detail}"),
}


@dataclass
class LtiError(Exception):
    code: str
    detail: str = ""

    @property
    def status(self) -> int:
        return MESSAGES[self.code][0]

    def message(self, lang: str) -> str:
        _, zh, en = MESSAGES[self.code]
        template = en if lang.startswith("en") else zh
        return template.format(detail=_showable(self.detail))

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


def _showable(detail: str) -> str:
    """The detail as a page can hold it: a lone surrogate from a token cannot be encoded as UTF-8
    and would turn the refusal into a 500, and a NUL has no place in HTML."""
    return detail.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
