"""Realistic history played through the services (never raw inserts), so every row obeys the
rules: calls of every outcome, dispatches, signs, returns, extensions, terminations,
supervision, callbacks and reopenings. Feeds demos, training and reports."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from agent_console.domain.clock import FrozenClock
from agent_console.domain.enums import OrderStatus, Presence, Role
from agent_console.domain.intake import IntakeDraft
from agent_console.domain.workflow import Action, spaced_attempts
from agent_console.services.dto import OperatorInfo
from agent_console.services.errors import ServiceError
from agent_console.services.orders import CALLER_VIEWS, REASONABLE, UNREASONABLE

S = OrderStatus
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文包"
GIVEN = ("女士", "先生", "师傅", "大姐", "老师", "")
OPENERS = ("", "你好，", "我想问一下，", "我要反映个事，", "麻烦问下，", "我是{region}的，")
# Emergency calls (Art. 12) and utility faults, each with the category a seat agent files it
# under: the hand-off line comes from the triage of the words, as the seat suggests it, and a
# follow-up order goes where that category routes (never a random article's category).
EMERGENCIES = (("楼下饭店着火了，冒了好多烟", "公共安全/消防安全/火灾隐患"),
               ("我爸突然晕倒了叫不醒", "其他/非受理事项/紧急事项转办"),
               ("有人在小区门口打架，还拿着刀", "公共安全/社会治安/寻衅滋事"),
               ("路口发生车祸有人受伤了", "交通出行/道路交通管理/交通事故处理"))
UTILITY_FAULTS = (("楼道里水管爆裂了，水一直往外流", "水电燃气/供水设施/供水管道漏水"),
                  ("我们整栋楼没电了，电梯也停了", "水电燃气/供电服务/停电"),
                  ("家里一股燃气味，怀疑燃气泄漏", "水电燃气/燃气安全/燃气泄漏"),
                  ("暖气片爆裂了，屋里全是水", "供热/供热设施/暖气漏水"))
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                   "152", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183",
                   "185", "186", "187", "188", "189", "199")
OUTCOMES = (("answered", 44), ("expert", 5), ("work_order", 36), ("not_accepted", 7),
            ("emergency", 3), ("warning", 2), ("own_answer", 3))
# With ``variety`` (the ``simulate`` command: a demo or a report to look at): calls the caller
# hung up on or that were not requests, requests from the online channels (Art. 3), and a
# rise of heating calls over the last week (the season's first cold spell: a hot topic)
VARIED_OUTCOMES = OUTCOMES + (("hung_up", 2), ("invalid", 1))
ONLINE_SHARE = 0.12
ONLINE = ("网站", "微信", "电子信箱", "蒙速办")
SURGE_DAYS = 7
SURGE_SHARE = 0.3
SURGE_DOMAIN = "供热"


@dataclass
class SimReport:
    days: int = 0
    calls: Counter = field(default_factory=Counter)
    transitions: Counter = field(default_factory=Counter)
    refused: int = 0
    supervised: int = 0
    statuses: Counter = field(default_factory=Counter)


class Simulator:
    def __init__(self, services, clock: FrozenClock, seed: int = 12345,
                 variety: bool = False) -> None:
        self.s = services
        self.clock = clock
        self.rng = random.Random(seed)
        self.variety = variety
        self._surge = False
        self.report = SimReport()
        self._liaisons: dict[int, OperatorInfo] = {}
        self._open: dict[str, dict] = {}
        self._callers: list[tuple] = []  # (phone, name, content, article)

    # ------------------------------------------------------------------ people
    def _operator(self, staff_no: str, name: str, role: Role, unit_code: str | None = None):
        accounts = self.s.accounts
        try:
            return accounts.add_user(staff_no, name, role.value, secrets.token_urlsafe(12), unit_code)
        except ServiceError:
            from sqlalchemy import select

            from agent_console.services.accounts import to_info
            from agent_console.store.engine import make_session_factory
            from agent_console.store.models import Operator, Unit

            with make_session_factory(self.s.engine)() as session:
                op = session.scalar(select(Operator).where(Operator.staff_no == staff_no))
                unit = session.get(Unit, op.unit_id) if op.unit_id else None
                return to_info(op, unit)

    def _liaison(self, unit_id: int) -> OperatorInfo:
        if unit_id not in self._liaisons:
            unit = self.s.catalog.units()[unit_id]
            self._liaisons[unit_id] = self._operator(f"7{unit_id:03d}", f"{unit.name[:10]}联络员",
                                                     Role.UNIT_LIAISON, unit.code)
        return self._liaisons[unit_id]

    # ------------------------------------------------------------------ running
    def run(self, days: int, calls_per_day: int) -> SimReport:
        self.agents = [self._operator(f"{1100 + i}", f"模拟座席{i}", Role.SEAT_AGENT)
                       for i in range(1, 6)]
        self.dispatcher = self._operator("3100", "模拟派单员", Role.DISPATCHER)
        self.callback = self._operator("3200", "模拟回访员", Role.CALLBACK)
        self.supervisor = self._operator("3300", "模拟督办员", Role.SUPERVISOR)
        self.articles = [a for a in self.s.catalog.articles() if a.category_id and a.phrasings]
        self.experts = self._experts()
        self.regions = [r.name for r in self.s.catalog.regions()]
        self.units = sorted(self.s.catalog.units())
        paths = {c.path: c.id for c in self.s.catalog.categories().values()}
        self.emergencies = [(text, paths[path]) for text, path in EMERGENCIES]
        self.utility_faults = [(text, paths[path]) for text, path in UTILITY_FAULTS]
        start = self.clock.now().date() - timedelta(days=days)
        for d in range(days):
            day = start + timedelta(days=d)
            self._surge = self.variety and days - d <= SURGE_DAYS
            self.clock._at = datetime.combine(day, time(8, 30))
            step = timedelta(minutes=max(1, int(12 * 60 / max(calls_per_day, 1))))
            for i in range(calls_per_day):
                self.clock._at += step
                self._call()
                if i % max(calls_per_day // 6, 1) == 0:
                    self._progress_orders(share=0.25)
            self._progress_orders(share=1.0)
            self.clock._at = datetime.combine(day, time(23, 0))
            self.report.supervised += self.s.supervision.scan(actor=self.supervisor).raised
            self.report.days += 1
        for status, n in self._status_counts().items():
            self.report.statuses[status] = n
        self._experts_leave()
        return self.report

    # ------------------------------------------------------------------ the expert seats
    def _experts(self) -> dict[int, OperatorInfo]:
        """One simulated expert for each domain with articles, on the roster and available
        while the simulation runs (away at its end: real transfers never wait for them)."""
        from sqlalchemy import select

        from agent_console.services.expert import place_standing_expert, stand_by
        from agent_console.store.engine import make_session_factory
        from agent_console.store.models import ExpertRoster

        domains = sorted({a.domain for a in self.articles if a.domain})
        made = [(self._operator(f"29{i:02d}", f"{domain[:8]}专家（模拟）", Role.EXPERT), domain)
                for i, domain in enumerate(domains, 1)]
        experts = {op.id: op for op, _domain in made}
        with make_session_factory(self.s.engine).begin() as session:
            for op, domain in made:
                if session.scalar(select(ExpertRoster.id)
                                  .where(ExpertRoster.operator_id == op.id)) is None:
                    place_standing_expert(session, op.id, domain, date(2000, 1, 1))
                stand_by(session, op.id, date(2000, 1, 1))  # again, after an earlier run
        return experts

    def _experts_leave(self) -> None:
        for op in self.experts.values():
            self.s.expert.set_presence(op, Presence.OFFLINE)

    def _expert_ends(self, agent, draft, started, done, article) -> str:
        """The expert picks the call up and answers it, or hands it back (the seat then makes
        the work order: ``expert_then_order``)."""
        view = self.s.expert.seat_view(agent, done.transfer_id) if done.transfer_id else None
        if view is None or not view.waiting:
            return "expert"
        with_expert = next((op for op in self.experts.values()
                            if f"{op.staff_no} {op.name}" == view.expert), None)
        if with_expert is None:
            return "expert"
        expert = self.s.expert
        try:
            expert.accept(with_expert, done.transfer_id)
            pick = self.rng.random()
            if pick < 0.8:
                expert.answer(with_expert, done.transfer_id, article.answer[:500] or "已答复",
                              article.id)
            else:
                expert.hand_back(with_expert, done.transfer_id, "需坐席派单处理")
                back = IntakeDraft(**{**draft.to_dict(), "resumes_intake_id": done.intake_id})
                self._work_order(agent, back, started, article.id)
                return "expert_then_order"
        except ServiceError:
            self.report.refused += 1
        return "expert"

    def _status_counts(self) -> Counter:
        from sqlalchemy import func, select

        from agent_console.store.engine import make_session_factory
        from agent_console.store.models import WorkOrder

        with make_session_factory(self.s.engine)() as session:
            return Counter(dict(session.execute(
                select(WorkOrder.status, func.count()).group_by(WorkOrder.status)).all()))

    # ------------------------------------------------------------------ calls
    def _pick(self, weighted):
        names, weights = zip(*weighted)
        return self.rng.choices(names, weights=weights)[0]

    def _new_caller(self) -> tuple[str, str]:
        phone = self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choice("0123456789")
                                                          for _ in range(8))
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        return phone, name

    def _call(self) -> None:
        rng = self.rng
        agent = rng.choice(self.agents)
        article = rng.choice(self.articles)
        if self._surge and rng.random() < SURGE_SHARE:
            article = rng.choice([a for a in self.articles if a.domain == SURGE_DOMAIN]
                                 or self.articles)
        region = rng.choice(self.regions)
        if self._callers and rng.random() < 0.08:  # a repeat caller, about the same matter
            phone, name, content, article = rng.choice(self._callers)
        else:
            phone, name = self._new_caller()
            content = rng.choice(OPENERS).format(region=region) + rng.choice(article.phrasings)
            self._callers.append((phone, name, content, article))
            if len(self._callers) > 2000:
                self._callers = self._callers[-2000:]
        outcome = self._pick(VARIED_OUTCOMES if self.variety else OUTCOMES)
        rtype = rng.choices(["咨询", "求助", "投诉", "举报", "意见建议"], [45, 25, 22, 4, 4])[0]
        urgency = rng.choices(["一般", "紧急", "特急"], [92, 6, 2])[0]
        draft = IntakeDraft(caller_number=phone, caller_name=name, region=region,
                            request_type=rtype, urgency=urgency, content=content,
                            category_id=article.category_id,
                            confidential=rng.random() < 0.05)
        if self.variety and rng.random() < ONLINE_SHARE:
            draft = IntakeDraft(**{**draft.to_dict(), "channel": rng.choice(ONLINE)})
        started = self.clock.now() - timedelta(minutes=rng.randint(1, 8))
        intake = self.s.intake
        try:
            if outcome == "answered":
                intake.answer_online(agent, draft, started, article.id)
            elif outcome == "own_answer":
                intake.answer_online(agent, draft, started, None, "已按政策口径解释并告知办理渠道")
            elif outcome == "expert":
                try:
                    done = intake.transfer_to_expert(agent, draft, started, article.id,
                                                     consent=True)
                except ServiceError:
                    outcome = "work_order"  # nobody of the category on duty
                else:
                    outcome = self._expert_ends(agent, draft, started, done, article)
            if outcome == "work_order" and rng.random() < 0.1:  # Art. 12: dispatched at once
                text, category = rng.choice(self.utility_faults)
                fault = IntakeDraft(**{**draft.to_dict(), "content": text,
                                       "category_id": category})
                self._work_order(agent, fault, started, None)
            elif outcome == "work_order":
                self._work_order(agent, draft, started, article.id)
            elif outcome == "not_accepted":
                intake.not_accepted(agent, draft, started, rng.choices(range(1, 8),
                                                                       [10, 25, 15, 5, 5, 35, 5])[0])
            elif outcome == "emergency":
                text, category = rng.choice(self.emergencies)
                service = self.s.reference.triage.classify(text).services[0]
                emergency = IntakeDraft(**{**draft.to_dict(), "content": text,
                                           "category_id": category})
                lead = None
                if rng.random() < 0.5:
                    lead = self.s.dispatch.propose(category, region, rtype, urgency,
                                                   self.clock.now()).lead.id
                intake.emergency_handoff(agent, emergency, started, service, text, lead)
            elif outcome == "warning":
                intake.warn_caller(agent, draft, started, rng.choice([1, 3, 3, 4, 4, 5]))
            elif outcome == "hung_up":
                intake.record_hung_up(agent, replace(draft, content=""), started)
            elif outcome == "invalid":
                intake.record_invalid(agent, replace(draft, content=""), started)
            self.report.calls[outcome] += 1
        except ServiceError:
            self.report.refused += 1

    def _work_order(self, agent, draft, started, article_id) -> None:
        proposal = self.s.dispatch.propose(draft.category_id, draft.region, draft.request_type,
                                           draft.urgency, self.clock.now())
        co = ()
        if proposal.alternatives and self.rng.random() < 0.1:
            co = (self.rng.choice(proposal.alternatives).id,)
        result = self.s.intake.create_work_order(agent, draft, started, proposal.lead.id, co,
                                                 article_id)
        self._open[result.order_number] = {"status": S.AWAITING_SIGN.value,
                                           "lead": proposal.lead.id, "born": self.clock.now(),
                                           "alts": [u.id for u in proposal.alternatives],
                                           "co": list(co)}

    # ------------------------------------------------------------------ order life
    def _act(self, number: str, who: OperatorInfo, action: Action, reason: str = "", **kw) -> bool:
        info = self._open[number]
        try:
            _, version = self.s.orders.status_of(number)
            self.s.orders.act(who, number, action, version, reason, view=False, **kw)
        except ServiceError:
            self.report.refused += 1
            return False
        self.report.transitions[action.value] += 1
        if kw.get("ruling") == REASONABLE:
            self.report.transitions[Action.REOPEN.value] += 1  # reopened in the same step
        info["status"], info["version"] = self.s.orders.status_of(number)
        return True

    def _note(self, call) -> None:
        try:
            call()
            self.report.transitions["note"] += 1
        except ServiceError:
            self.report.refused += 1

    def _try_to_reach(self, number: str, liaison: OperatorInfo, info: dict) -> None:
        """Art. 18(6): one more failed call to the caller; once enough attempts lie far enough
        apart (another day, or the table's hours later), the unit asks to terminate."""
        before = self.report.refused
        self._note(lambda: self.s.orders.log_contact(liaison, number, "no_answer",
                                                     "致电未接听，已发送短信"))
        if self.report.refused != before:
            return
        tries = info.setdefault("failed", [])
        tries.append(self.clock.now())
        rule = self.s.reference.termination
        if rule is None or spaced_attempts(tries, rule.min_hours_apart) < rule.min_failed_contacts:
            return
        times = "、".join(f"{t:%m月%d日%H:%M}" for t in tries)
        if self._act(number, liaison, Action.REQUEST_TERMINATION,
                     "多次致电诉求人均未接听，已留短信",
                     evidence=f"{times}共{len(tries)}次致电均未接通，通话记录截图已留存"):
            info.pop("failed", None)

    def _progress_orders(self, share: float) -> None:
        rng = self.rng
        numbers = list(self._open)
        rng.shuffle(numbers)
        for number in numbers[: max(1, int(len(numbers) * share))]:
            info = self._open.get(number)
            if info is None:
                continue
            status = info["status"]
            liaison = self._liaison(info["lead"])
            age = self.clock.now() - info["born"]
            p = rng.random()
            if status == S.AWAITING_SIGN:
                if p < 0.06:
                    self._act(number, liaison, Action.REQUEST_RETURN,
                              "该事项不属于本单位职责范围，依据三定方案应由属地政府办理")
                elif p < 0.85 and self._act(number, liaison, Action.SIGN) and rng.random() < 0.6:
                    self._note(lambda: self.s.orders.log_contact(
                        liaison, number, "reached", "已电话联系诉求人了解具体情况"))
            elif status == S.RETURN_REVIEW:
                if p < 0.6:
                    self._act(number, self.dispatcher, Action.APPROVE_RETURN, "理由成立，重新派单")
                else:
                    self._act(number, self.dispatcher, Action.REJECT_RETURN, "属于职责范围，退回继续办理")
            elif status == S.AWAITING_DISPATCH:
                alts = [u for u in info["alts"] if u != info["lead"]] or self.units
                lead = rng.choice(alts)
                if self._act(number, self.dispatcher, Action.DISPATCH, "重新派单", lead_unit_id=lead):
                    info["lead"] = lead
            elif status == S.IN_PROGRESS:
                if p < 0.03:
                    due = self.s.orders.show(number).due_at + timedelta(days=rng.randint(3, 10))
                    self._act(number, liaison, Action.REQUEST_EXTENSION,
                              "需协调多个部门现场处置，申请延期", new_due_at=due)
                elif info.get("failed") or p < 0.045:
                    self._try_to_reach(number, liaison, info)
                elif p < 0.045 + min(0.6, 0.15 + age.days * 0.1):
                    for co_unit in info.get("co", ()):
                        helper = self._liaison(co_unit)
                        self._note(lambda h=helper: self.s.orders.submit_part(
                            h, number, "本单位职责部分已办理完毕，意见已反馈牵头单位"))
                    if rng.random() < 0.9:
                        self._act(number, liaison, Action.COMPLETE,
                                  "已联系诉求人并现场处理，向诉求人反馈了办理结果",
                                  resolution="已解决",
                                  caller_view=rng.choices(CALLER_VIEWS, [70, 18, 7, 5])[0])
                    else:  # Art. 18(5): held up by circumstances, explained to the caller
                        self._act(number, liaison, Action.COMPLETE,
                                  "受施工季节限制暂无法整改，已向诉求人解释并告知计划",
                                  resolution="暂时无法解决，已向诉求人解释",
                                  caller_view=rng.choice(("基本满意", "不满意", "未表态")))
            elif status == S.EXTENSION_REVIEW:
                action = Action.APPROVE_EXTENSION if p < 0.7 else Action.REJECT_EXTENSION
                self._act(number, self.dispatcher, action,
                          "理由和依据充分" if action is Action.APPROVE_EXTENSION else "理由不充分，按原时限办理")
            elif status == S.TERMINATION_REVIEW:
                action = Action.APPROVE_TERMINATION if p < 0.6 else Action.REJECT_TERMINATION
                self._act(number, self.dispatcher, action,
                          "证明材料齐全" if action is Action.APPROVE_TERMINATION else "请继续联系诉求人")
            elif status == S.COMPLETED and age > timedelta(hours=20):
                sat = rng.choices(["满意", "基本满意", "不满意"], [70, 18, 12])[0]
                if sat != "不满意":
                    self._act(number, self.callback, Action.CALLBACK, "电话回访", satisfaction=sat)
                elif rng.random() < 0.5:  # Art. 20: reasonable and lawful → reopened at once
                    self._act(number, self.callback, Action.CALLBACK, "诉求人反映问题仍未解决",
                              satisfaction=sat, ruling=REASONABLE)
                else:
                    self._act(number, self.callback, Action.CALLBACK,
                              "诉求超出政策规定范围，已向诉求人解释", satisfaction=sat,
                              ruling=UNREASONABLE)
            elif status in (S.CALLED_BACK, S.TERMINATED) and age > timedelta(days=3):
                if p < 0.5 and self._act(number, self.callback, Action.ARCHIVE):
                    self._open.pop(number, None)
