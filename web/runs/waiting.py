"""A run waiting inside its workflow for the results of its deferred calls (approvals).

When the agent pauses on writes that need approval, the run's own workflow holds them (rows of
``pending_approval``, the conversation ``needs_approval`` while ``active_run`` still names the
workflow) and waits with ``DBOS.recv`` on ``TOPIC``. It survives restarts: a recovered workflow
replays its checkpointed steps and waits again for what is left of the timeout.

A decision reaches the run through ``deliver``, a small workflow of its own started by the route
on whichever instance received it: its first step claims the held calls (one conditional
``UPDATE`` per call and one for the conversation, so a replayed, forged or concurrent second
decision claims nothing and is refused with 409), and only then sends the ``Wake`` to the waiting
run. Being a workflow, a delivery whose process dies between claim and send is finished on
recovery: a claimed decision always arrives, exactly once. A stop makes the same conditional
``UPDATE`` of the conversation: whichever comes first wins, the other is refused (409).

A new message in a conversation that waits voids the held calls: the route takes the conversation
over (``web.runs.control.claim``) and sends ``Wake(kind="void")``, which ends the waiting run
without a write. With no decision within ``approval_timeout_seconds`` the held calls expire and
the conversation is freed.

``Wake`` is generic over deferred results: ``approvals`` answers calls that need approval,
``answers`` calls answered by the client (``DeferredToolResults.calls``, e.g. ``ask_user``).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from dbos import DBOS, SetWorkflowID
from sqlalchemy import update
from sqlmodel import col

from tools.errors import Conflict
from web.models import Conversation, User, utcnow
from web.runs import approvals, questions, stale_approvals
from web.runs.engine import current

if TYPE_CHECKING:
    from web.runs.workflows import Decision

log = logging.getLogger("fast_genai.web")

TOPIC = "deferred-results"
WAITING = ("needs_approval", "needs_input")
"""The statuses of a conversation whose run waits inside its workflow (writes, or a question)."""
DELIVERY_GRACE_SECONDS = 300.0
"""After the timeout, how long a run whose calls were claimed just then waits for the decision."""


@dataclass(frozen=True)
class Wake:
    """The message a waiting run receives: the results of its deferred calls, or ``void``."""

    kind: Literal["results", "void"]
    approvals: dict[str, Decision] = field(default_factory=dict)
    """Decisions on calls that needed approval, by tool call id."""
    answers: dict[str, Any] = field(default_factory=dict)
    """Results of calls answered by the client (``DeferredToolResults.calls``), by tool call id."""
    stream: str = "ui"
    """The UI stream key the continuation writes to (the route that delivered it reads it)."""


@dataclass(frozen=True)
class Delivery:
    """The input of ``deliver``: identifiers and the decision, nothing secret."""

    user_id: str
    conversation_id: str
    workflow_id: str
    wake: Wake


VOID = Wake(kind="void")


def waits(row: Conversation) -> bool:
    """Whether the conversation's run waits for a decision (inside its workflow)."""
    return row.status in WAITING and row.active_run is not None


# --- inside the waiting workflow ---------------------------------------------------------------


async def wait(conversation_id: str, workflow_id: str) -> Wake | None:
    """Wait for the results of the held calls; ``None`` when they expired (or were voided)."""
    timeout = current().state.settings.approval_timeout_seconds
    wake: Wake | None = await DBOS.recv_async(TOPIC, timeout_seconds=timeout)
    if wake is None:
        expired: bool = await DBOS.run_step_async(
            {"name": "approvals.expire"}, expire, conversation_id, workflow_id
        )
        if expired:
            return None
        # Claimed by a decision just now (or voided): its message is on its way.
        wake = await DBOS.recv_async(TOPIC, timeout_seconds=DELIVERY_GRACE_SECONDS)
    if wake is None or wake.kind == "void":
        return None
    return wake


async def expire(conversation_id: str, workflow_id: str) -> bool:
    """Expire the held calls and free the conversation, if it still waits on this run."""
    state = current().state
    cid = uuid.UUID(conversation_id)
    async with state.db.write() as session:
        freed = await session.execute(
            update(Conversation)
            .where(
                col(Conversation.id) == cid,
                col(Conversation.active_run) == workflow_id,
                col(Conversation.status).in_(WAITING),
            )
            .values(
                status="idle",
                active_run=None,
                error="the write awaiting approval expired",
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(freed, "rowcount", 0) != 1:
            return False
        await approvals.expire_conversation(session, cid)
    log.info("run %s: the calls awaiting approval expired", workflow_id)
    return True


# --- delivering a decision (any instance) ------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a decision claimed nothing: the error code and message of the 409."""

    code: str
    message: str


@DBOS.workflow(name="fast_genai.deliver_results")
async def deliver_results(delivery: Delivery) -> Refusal | str | None:
    """Claim the decided calls, then wake the waiting run; the refusal, or ``None``."""
    problem: Refusal | str | None = await DBOS.run_step_async(
        {"name": "approvals.claim"}, claim_step, delivery
    )
    if problem is None:
        await DBOS.send_async(delivery.workflow_id, delivery.wake, TOPIC)
    return problem


async def claim_step(delivery: Delivery) -> Refusal | None:
    """Claim the conversation and the decided calls, in one transaction; ``Refusal`` if the run
    no longer waits. A stop (``web.runs.control.stop_waiting``) makes the same conditional
    ``UPDATE`` of the conversation, so exactly one of the two wins: a decision that loses to a
    stop is refused ``approval_expired``."""
    state = current().state
    cid = uuid.UUID(delivery.conversation_id)
    try:
        async with state.db.write() as session:
            user = await session.get(User, uuid.UUID(delivery.user_id))
            if user is None:
                raise Conflict("the user is gone")
            results = delivery.wake.approvals.items()
            decided = {call: d.approved for call, d in results if d.answer is None}
            moved = await session.execute(
                update(Conversation)
                .where(
                    col(Conversation.id) == cid,
                    col(Conversation.active_run) == delivery.workflow_id,
                    col(Conversation.status).in_(WAITING),
                )
                .values(status="running", updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 0) != 1:
                if decided:  # expired by a stop, a new message or the timeout: say so
                    await stale_approvals.refuse_stale(session, user, cid, decided)
                raise Conflict("this run no longer waits for a decision")
            await approvals.claim_for_conversation(session, user, cid, decided)
            answered = [call for call, d in results if d.answer is not None]
            await questions.claim_held(session, user, cid, answered)
    except Conflict as exc:  # nothing claimed: the transaction rolled back
        return Refusal(exc.code, str(exc))
    return None


async def deliver(user: User, conversation_id: uuid.UUID, workflow_id: str, wake: Wake) -> None:
    """Deliver ``wake`` to the run ``workflow_id``; ``Conflict`` (409) if it is not its to take
    (``ApprovalExpired`` when a stop, a new message or the timeout expired the calls first)."""
    delivery = Delivery(str(user.id), str(conversation_id), workflow_id, wake)
    with SetWorkflowID(f"deliver-{conversation_id}-{uuid.uuid4().hex[:12]}"):
        handle = await DBOS.start_workflow_async(deliver_results, delivery)
    problem = await handle.get_result()
    if problem is None:
        return
    if isinstance(problem, str):  # recorded by a version before Refusal
        problem = Refusal(Conflict.code, problem)
    if problem.code == stale_approvals.ApprovalExpired.code:
        raise stale_approvals.ApprovalExpired(
            problem.message, hint="ask again if you still want it written"
        )
    raise Conflict(
        problem.message,
        hint="a decision is accepted once, for a write this server is holding; "
        "it may be decided already, or voided by a newer message",
    )


async def void(workflow_id: str) -> None:
    """End a waiting run whose calls a new message (or a stop) voided."""
    await DBOS.send_async(workflow_id, VOID, TOPIC)


def new_stream_key() -> str:
    return f"ui-{uuid.uuid4().hex[:12]}"
