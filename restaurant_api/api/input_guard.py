"""Hostile JSON is refused at the edge with a clear 4xx, before any route or resolver sees it.

Checked on every JSON request body (REST and POST /graphql) and on GET /graphql's
`variables` / `extensions`: valid UTF-8, nesting depth, lone surrogates (no database or
response encoder can store or write them), and numbers whose size or exponent no field of
this API accepts (`1e999999` would become `inf`, `1e-999999999` would become 0.0). A
/graphql body must also be a JSON object. Errors are `{"detail": ...}` on REST and
`{"errors": [{"message": ...}]}` on /graphql.
"""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from restaurant_api.limits import MAX_JSON_DEPTH, MAX_JSON_NUMBER_CHARS, MAX_JSON_NUMBER_EXPONENT

# A `\uD800`-`\uDFFF` escape: the only way a lone surrogate gets into decoded JSON (raw
# surrogate bytes are invalid UTF-8). Bodies without one skip the walk for surrogates.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


# The body this request's guard parsed, and its value: the GraphQL router reuses it instead
# of decoding the same bytes again (see `parsed_body`). Each request runs in its own task,
# hence its own context.
_PARSED_BODY: ContextVar[tuple[bytes, Any] | None] = ContextVar("parsed_body", default=None)


def parsed_body(body: str | bytes) -> tuple[bool, Any]:
    """(True, value) when the guard already parsed this very body object, else (False, None).

    Starlette re-joins the replayed body into a new bytes object: equal bytes (a memcmp,
    far cheaper than decoding) parse to the same value.
    """
    parsed = _PARSED_BODY.get()
    if parsed is not None and (parsed[0] is body or parsed[0] == body):
        return True, parsed[1]
    return False, None


BODY_TOO_LARGE = "Content Too Large"  # the words of Starlette's own limit, for one message


class InputRefused(ValueError):
    """The body is not JSON this API will read; the message says why, never echoes it."""


class BodyTooLarge(InputRefused):
    """A streamed body passed the size limit while being buffered for the checks."""


def _number(text: str) -> str:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise InputRefused(f"A number has more than {MAX_JSON_NUMBER_CHARS} characters")
    match = _EXPONENT.search(text)
    if match and abs(int(match.group(1))) > MAX_JSON_NUMBER_EXPONENT:
        raise InputRefused("A number's exponent is out of range")
    return text


def _parse_float(text: str) -> float:
    return float(_number(text))


def _parse_int(text: str) -> int:
    return int(_number(text))


def _parse_constant(_name: str) -> Any:
    raise InputRefused("NaN and Infinity are not JSON numbers")


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# The bracket skeleton of a document: `{}` become `[]` (only depth matters), the rest goes.
_TO_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")


def _check_depth(text: str | bytes) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH before decoding (no recursion, C speed).

    On the bracket skeleton (strings removed, `{}` as `[]`), each `replace` removes exactly
    the innermost pairs, one level: a document of depth d is empty after d passes. About
    60 ms for the worst 1 MiB body (one regex, a translate, at most 32 replaces), where
    regex passes over the whole text took half a second.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return
    skeleton = _STRING.sub(b"", data).translate(_TO_SQUARE, _NOT_A_BRACKET)
    for _ in range(MAX_JSON_DEPTH):
        shorter = skeleton.replace(b"[]", b"")
        if not shorter or len(shorter) == len(skeleton):
            return  # shallow enough, or unbalanced (the decoder refuses that)
        skeleton = shorter
    raise InputRefused(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# orjson's integers have at most 20 digits: within the bound on a number's characters.
assert MAX_JSON_NUMBER_CHARS >= 21


def _has_float(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is float:
            return True
        if type(item) is dict:
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def parse_json(raw: str | bytes) -> Any:
    """Decode JSON within this API's bounds, or raise InputRefused with a clear message.

    orjson first: what it decodes without a float is what the checked decoder gives (it
    refuses invalid UTF-8, lone surrogates, NaN and Infinity itself, and its integers fit
    in 64 bits: 20 digits, within the bounds; a larger one comes back as a float). Anything
    else goes to the checked decoder, which words the refusal.
    """
    _check_depth(raw)
    if isinstance(raw, bytes):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if not _has_float(value):
                return value
    text = raw
    if isinstance(raw, bytes):
        # Decoded once, strictly: json.loads(bytes) would decode again (and let encoded
        # surrogates through with "surrogatepass").
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputRefused("The body is not valid UTF-8") from None
    try:
        value = json.loads(
            text,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
        )
    except InputRefused:
        raise
    except (ValueError, RecursionError):
        raise InputRefused("The body is not valid JSON") from None
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    if _SURROGATE_ESCAPE.search(data) and _has_lone_surrogate(value):
        raise InputRefused("A string contains a lone UTF-16 surrogate (not valid Unicode)")
    return value


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # FastAPI may read a body without a content type as JSON


class InputChecks:
    """`parse_json` applied to JSON bodies and GraphQL GET parameters (the edge runs it)."""

    def __init__(self, *, max_body_bytes: int, graphql_path: str = "/graphql") -> None:
        # The checks buffer bodies before anything else counts them, so they must stop
        # reading at the body limit (an endless chunked body would fill memory).
        self.max_body_bytes = max_body_bytes
        self.graphql_path = graphql_path

    async def admit(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """The `receive` to serve an HTTP request with (replaying a buffered body), or None
        when the request was refused here (its 4xx already sent)."""
        path: str = scope.get("path", "")
        is_graphql = path.rstrip("/") == self.graphql_path
        method = scope.get("method", "GET")
        try:
            if is_graphql and method == "GET":
                self._check_query_string(scope)
            elif method in ("POST", "PUT", "PATCH") and (is_graphql or _is_json(scope)):
                body, receive = await buffer_body(receive, self.max_body_bytes)
                if is_graphql and not _is_json(scope):
                    pass  # strawberry answers other content types (415/400) itself
                elif body.strip() or is_graphql:
                    value = parse_json(body)
                    if is_graphql:
                        _check_graphql_request(value)
                        _PARSED_BODY.set((body, value))
        except BodyTooLarge as refused:
            await _respond(send, 413, {"detail": str(refused)}, close=True)
            return None
        except InputRefused as refused:
            await _refuse(send, str(refused), graphql=is_graphql)
            return None
        return receive

    @staticmethod
    def _check_query_string(scope: Scope) -> None:
        try:
            query = scope.get("query_string", b"").decode("utf-8")
        except UnicodeDecodeError:
            raise InputRefused("The query string is not valid UTF-8") from None
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key in ("variables", "extensions") and value:
                parsed = parse_json(value.encode("utf-8", "surrogatepass"))
                if parsed is not None and not isinstance(parsed, dict):
                    raise InputRefused(f"{key} must be a JSON object")
            elif _has_lone_surrogate(value):
                raise InputRefused("A parameter contains a lone UTF-16 surrogate")


def _check_graphql_request(value: Any) -> None:
    if not isinstance(value, dict):
        raise InputRefused("The GraphQL request must be a JSON object")
    for key in ("variables", "extensions"):
        if value.get(key) is not None and not isinstance(value[key], dict):
            raise InputRefused(f"{key} must be a JSON object")
    for key in ("query", "operationName"):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise InputRefused(f"{key} must be a string")


async def buffer_body(receive: Receive, limit: int) -> tuple[bytes, Receive]:
    """Read the whole body (at most `limit` bytes), and a `receive` that replays it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            message = await receive()
        except HTTPException as error:  # the edge's count of the body passed the limit
            if error.status_code == 413:
                raise BodyTooLarge(BODY_TOO_LARGE) from None
            raise
        if message["type"] != "http.request":
            break  # disconnected: the app sees an empty body, then the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(BODY_TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(send: Send, message: str, *, graphql: bool) -> None:
    if graphql:
        payload: dict[str, Any] = {"errors": [{"message": message}]}
        status = 400
    else:
        payload = {"detail": message}
        status = 422
    await _respond(send, status, payload)


async def _respond(
    send: Send, status: int, payload: dict[str, Any], *, close: bool = False
) -> None:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:  # the rest of an oversized body is not worth reading
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
