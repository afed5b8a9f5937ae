"""The users domain's errors (re-exported by `users.service`)."""

from __future__ import annotations

from restaurant_api.errors import AuthenticationFailed, Conflict, ErrorCode


class EmailTaken(Conflict):
    code = ErrorCode.EMAIL_TAKEN
    http_status = 400

    def __init__(self) -> None:
        super().__init__("Email already registered", field="email")


class InvalidCredentials(AuthenticationFailed):
    code = ErrorCode.INVALID_CREDENTIALS

    def __init__(self) -> None:
        super().__init__("Invalid email or password")


class InvalidToken(AuthenticationFailed):
    code = ErrorCode.INVALID_TOKEN

    def __init__(self, message: str = "Invalid token") -> None:
        super().__init__(message)


class RefreshTokenReused(InvalidToken):
    # The family is revoked before reporting, and that revocation must stick.
    keeps_changes = True

    def __init__(self) -> None:
        super().__init__("Refresh token was already used; sign in again")


class WrongPassword(InvalidCredentials):
    def __init__(self) -> None:
        AuthenticationFailed.__init__(self, "Current password is incorrect")


class InactiveUser(AuthenticationFailed):
    code = ErrorCode.INACTIVE_USER

    def __init__(self) -> None:
        super().__init__("Inactive user")
