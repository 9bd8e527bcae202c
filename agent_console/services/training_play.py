"""Playing a scenario without the screen (``agent-console train run``): a handling — the
scenario's own expected one, or one given on the command line — carried out through the
practice database's services exactly as the seat's keys would, then observed and scored."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent_console.domain.enums import Outcome
from agent_console.domain.intake import IntakeDraft
from agent_console.domain.training import Debrief, Handling, Scenario, Step, score
from agent_console.services.errors import ServiceError
from agent_console.services.practice import PracticeCall


@dataclass(frozen=True)
class Plan:
    """What the agent does, in the scenario's terms (unit codes, category paths)."""

    action: Outcome
    request_type: str | None = None
    category: str | None = None
    lead_unit: str | None = None
    co_handlers: tuple[str, ...] = ()
    kb_article: str | None = None
    reason: int | None = None
    services: tuple[str, ...] = ()
    warning: int | None = None
    ask: tuple[str, ...] = ()
    fill: tuple[str, ...] = ()  # form fields filled from the caller's replies
    seconds: float = 60.0
    notes: dict = field(default_factory=dict)


def model_plan(scenario: Scenario) -> Plan:
    """The expected handling, done as the scenario describes it."""
    exp = scenario.expected
    return Plan(action=exp.action, request_type=exp.request_type, category=exp.category,
                lead_unit=exp.lead_unit if exp.action in (Outcome.WORK_ORDER, Outcome.EMERGENCY)
                else None,
                co_handlers=exp.co_handlers, kb_article=exp.kb_article, reason=exp.reason,
                services=exp.services, warning=exp.warning, ask=exp.ask, fill=exp.fields,
                seconds=min(60.0, float(scenario.time_limit or 60)))


def caller_content(scenario: Scenario) -> str:
    return "".join(line.text for line in scenario.lines)


def plan_draft(call: PracticeCall, plan: Plan) -> IntakeDraft:
    scenario = call.scenario
    persona = scenario.persona
    categories = {c.path: c.id for c in call.services.catalog.categories().values()}
    number = persona.phone
    if not number and "caller_number" in plan.fill:
        number = "".join(ch for ch in scenario.reply("phone") if ch.isdigit() or ch == "-")
    values = dict(
        caller_number=number, number_withheld=not persona.phone,
        caller_name=persona.name if "caller_name" in plan.fill or "name" in plan.ask else "",
        address=scenario.reply("address")[:200] if "address" in plan.fill else "",
        confidential="confidential" in plan.fill,
        content=caller_content(scenario)[:5000],
        category_id=categories.get(plan.category or ""),
    )
    if plan.request_type:
        values["request_type"] = plan.request_type
    return IntakeDraft(**values)


def perform(call: PracticeCall, plan: Plan) -> tuple[Handling, Debrief, str]:
    """Carry ``plan`` out over the practice database; (handling, debrief, the result's
    message, or the refusal the seat would have seen)."""
    services = call.services
    intake = services.intake
    operator = call.operator
    draft = plan_draft(call, plan)
    now = services.clock.now()
    steps = [Step(0.0, "接听来电")]
    steps += [Step(min(plan.seconds, 5.0 + i), f"询问：{q}") for i, q in enumerate(plan.ask)]

    def unit_id(code: str | None) -> int | None:
        if not code:
            return None
        unit = services.catalog.unit_by_code(code)
        if unit is None:
            raise ServiceError(f"承办单位代码 {code} 不存在")
        return unit.id

    message = ""
    intake_id = None
    try:
        if plan.action is Outcome.ANSWERED:
            result = intake.answer_online(operator, draft, now, plan.kb_article,
                                          own_answer="" if plan.kb_article else "已按政策当场答复。")
        elif plan.action is Outcome.EXPERT:
            consent = scenario_consent(call.scenario, plan)
            result = intake.transfer_to_expert(operator, draft, now, plan.kb_article, consent)
        elif plan.action is Outcome.WORK_ORDER:
            result = intake.create_work_order(
                operator, draft, now, unit_id(plan.lead_unit),
                tuple(unit_id(c) for c in plan.co_handlers), plan.kb_article)
        elif plan.action is Outcome.NOT_ACCEPTED:
            result = intake.not_accepted(operator, draft, now, plan.reason or 0)
        elif plan.action is Outcome.EMERGENCY:
            result = intake.emergency_handoff(
                operator, draft, now, plan.services, summary=draft.content[:200] or "紧急情况",
                follow_up_lead_unit_id=unit_id(plan.lead_unit),
                co_handler_ids=tuple(unit_id(c) for c in plan.co_handlers))
        elif plan.action is Outcome.WARNING:
            result = intake.warn_caller(operator, draft, now, plan.warning or 0)
        else:
            raise ServiceError(f"无法演示的受理结果：{plan.action}")
        intake_id = result.intake_id
        message = result.message
        steps.append(Step(plan.seconds, f"结束通话：{message}"))
    except ServiceError as exc:
        message = f"未能记录：{exc.message}"
        steps.append(Step(plan.seconds, message))
    handling = call.observe(intake_id, plan.ask, tuple(steps), plan.seconds, draft)
    return handling, debrief_for(call, handling), message


def scenario_consent(scenario: Scenario, plan: Plan) -> bool:
    """What the seat ticks in the consent dialog: the caller's answer if asked; an agent who
    never asked ticks yes (the rubric's 询问 item scores that)."""
    if "consent" in plan.ask and scenario.consent is not None:
        return scenario.consent
    return True


def debrief_for(call: PracticeCall, handling: Handling) -> Debrief:
    services = call.services
    units = {u.code: u.name for u in services.catalog.units().values()}
    reasons = {i.code: i.title for i in services.reference.not_accepted}
    warnings = {i.code: i.title for i in services.reference.warnings}
    articles = {}
    for article_id in {call.scenario.expected.kb_article, handling.kb_article} - {None}:
        info = services.catalog.article(article_id)
        if info is not None:
            articles[article_id] = info.title
    return score(call.scenario, handling, units=units, reasons=reasons, warnings=warnings,
                 articles=articles)
