"""AWS-style failures injected in front of moto (``GET /_guardrails/faults``); ``current``
is the active injection, read by the request dispatcher and by bridges that page."""

from __future__ import annotations

import json
import random
import re
import threading
from collections import Counter


class Faults:
    """AWS-style failures in front of moto (``GET /_guardrails/faults?rate=R&seed=N``).

    Optional query parameters: ``kinds=K,...`` draws only those kinds (of ``KINDS``,
    ``truncated-page``, ``stall`` and ``cut-body``; default ``KINDS`` plus
    ``truncated-page``),
    ``actions=A,...`` fails only requests for those API actions (others draw nothing), and
    ``stall=S`` holds a ``stall`` request S seconds (default 2) before answering it
    ``503`` unseen by moto: a connection that hangs and dies, which a client sees as a
    timeout when its attempt timeout is shorter; a ``cut-body`` request is served by moto but
    its answer stops half-way through the body and the connection closes; ``access-denied``
    answers 403 as AWS does for a caller whose policy lacks the action.

    A ``rate`` below 1 injects transient faults, the kind AWS's retry guidance expects a
    retry to get past: one invocation is failed on at most its first ``TRANSIENT_ATTEMPTS``
    attempts (the ``attempt=N`` of the ``amz-sdk-request`` header the SDKs send with every
    attempt), so a client that retries fewer times loses the call while one that retries
    as ours do (5 attempts) gets through whatever the interleaving of concurrent calls.
    ``rate=1`` is an outage: every attempt fails."""

    KINDS = ("throttling", "internal-failure", "service-unavailable")
    TRANSIENT_ATTEMPTS = 4

    def __init__(self, query: dict[str, list[str]]):
        self.rate = float(query["rate"][0])
        self.random = random.Random(int(query.get("seed", ["1"])[0]))

        def listed(key: str) -> list[str]:
            return [v for v in query.get(key, [""])[0].split(",") if v]

        self.kinds = tuple(listed("kinds")) or self.KINDS + ("truncated-page",)
        unknown = set(self.kinds) - set(self.KINDS + ("truncated-page", "stall", "cut-body", "access-denied"))
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        self.actions = set(listed("actions"))
        self.stall_seconds = float(query.get("stall", ["2"])[0])
        self.injected: Counter = Counter()
        self.lock = threading.Lock()

    def _hit(self, action: str, kinds: tuple[str, ...]) -> str | None:
        """With probability ``rate`` a fault (a random one of ``kinds``) for a request for
        ``action``, counted as injected; else None."""
        if not kinds or (self.actions and action not in self.actions):
            return None
        with self.lock:
            if self.random.random() >= self.rate:
                return None
            kind = kinds[0] if len(kinds) == 1 else self.random.choice(kinds)
            self.injected[kind] += 1
            return kind

    def truncate(self) -> bool:
        """Whether to cut the next ``DescribeDBClusters`` page short."""
        allowed = ("truncated-page",) if "truncated-page" in self.kinds else ()
        return self._hit("DescribeDBClusters", allowed) is not None

    def pick(self, action: str, environ) -> str | None:
        """The failure to answer the next request (for ``action``) with, if any."""
        if self.rate < 1 and _attempt(environ) > self.TRANSIENT_ATTEMPTS:
            return None
        return self._hit(action, tuple(k for k in self.kinds if k != "truncated-page"))

    @staticmethod
    def response(kind: str, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        service = _service(environ)
        status, code, message = {
            "throttling": ("400 Bad Request", "Throttling", "Rate exceeded"),
            "internal-failure": ("500 Internal Server Error", "InternalFailure", "Internal failure"),
            "service-unavailable": ("503 Service Unavailable", "ServiceUnavailable", "Service unavailable"),
            "stall": ("503 Service Unavailable", "ServiceUnavailable", "Request stalled"),
            "access-denied": ("403 Forbidden", "AccessDenied", "User is not authorized to perform this action"),
        }[kind]
        if environ.get("HTTP_X_AMZ_TARGET") or service in ("securityhub", "lambda"):
            if kind == "throttling":
                code = "ThrottlingException"
            if kind == "access-denied":
                code = "AccessDeniedException"
            body = json.dumps({"__type": code, "message": message}).encode()
            return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body
        if service == "ec2":
            if kind == "throttling":
                code = "RequestLimitExceeded"
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message>"
                "</Error></Errors><RequestID>fault</RequestID></Response>"
            ).encode()
        elif service == "s3":
            if kind == "throttling":
                status, code = "503 Slow Down", "SlowDown"
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        else:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            ).encode()
        return status, [("Content-Type", "text/xml")], body


_ATTEMPT = re.compile(r"attempt=(\d+)")


def _attempt(environ) -> int:
    """Which attempt of its invocation a request is (1 when the client does not say)."""
    found = _ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(found.group(1)) if found else 1


_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


def _service(environ) -> str:
    """The service a request is for, from its SigV4 credential scope."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return scope.group(1) if scope else "?"


# The active injection (None: none).
current: Faults | None = None
