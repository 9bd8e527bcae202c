"""The working calendar every deadline counts on: statutory holidays and the State Council's
调休 schedule from the ``holidays`` library, with the centre's own entries (table
``calendar_days``) over them; and the import of the centre's file.

The file is CSV, UTF-8, ``日期,类型,名称`` with 类型 上班 or 休息, e.g.
``2027-02-20,上班,春节调休上班``. Every line is checked before anything is written; importing a
file replaces the centre's entries of the years it contains, in one transaction.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent_console.domain.calendar import (
    CalendarDay,
    DayKind,
    DaySource,
    WorkCalendar,
    missing_data_warning,
)
from agent_console.domain.clock import Clock
from agent_console.domain.text import describe_char, find_control_char
from agent_console.services.errors import ServiceError, ValidationFailed
from agent_console.store.models import CalendarDayRow

log = logging.getLogger(__name__)

HEADER = ("日期", "类型", "名称")
NAME_MAX = 40  # calendar_days.name
MAX_FILE_BYTES = 256 * 1024
MAX_LINES = 2000
YEARS = range(2000, 2100)
YEARS_BEFORE, YEARS_AFTER = 1, 3  # library years loaded around today (deadlines look ahead)
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


# ---------------------------------------------------------------------------- the library
def library_days(years: range) -> tuple[tuple[CalendarDay, ...], frozenset[int]]:
    """Statutory days off (with the law's 补假) and the State Council's 调休上班 days from
    ``holidays``, and the years for which it has the State Council's schedule.

    The library has no workday category for China: the make-up working days are the dates its
    substituted days off are moved from (``ChinaStaticHolidays.special_public_holidays``, one
    entry per year of a published notice). Without them a year's statutory days are derived
    from the holiday law alone and the year counts as having no schedule.
    """
    import holidays
    from holidays.constants import PUBLIC

    wanted = list(years)
    days: dict[date, CalendarDay] = {}
    for day, name in holidays.China(years=wanted, language="zh_CN",
                                    categories=(PUBLIC,)).items():
        days[day] = CalendarDay(day, DayKind.REST, str(name), DaySource.STATUTORY)
    scheduled: set[int] = set()
    try:
        from holidays.countries.china import ChinaStaticHolidays

        published = dict(ChinaStaticHolidays.special_public_holidays)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - a changed library
        log.warning("holidays: no State Council schedule found; every year counts as unknown")
        published = {}
    for year, entries in published.items():
        if year not in wanted:
            continue
        scheduled.add(year)
        if entries and not isinstance(entries[0], tuple):
            entries = (entries,)
        for entry in entries:
            if len(entry) < 4 or not all(isinstance(v, int) for v in entry):
                continue  # an extra day off with a name, no working day in return
            month, dom, from_month, from_dom = entry[:4]
            from_year = entry[4] if len(entry) > 4 else year
            work = date(from_year, from_month, from_dom)
            off = date(year, month, dom)
            days[work] = CalendarDay(work, DayKind.WORK, f"调休上班（{off.month}月{off.day}日休息）",
                                     DaySource.STATUTORY)
    return tuple(days[d] for d in sorted(days)), frozenset(scheduled)


def library_calendar(years: range, centre: tuple[CalendarDay, ...] = ()) -> WorkCalendar:
    statutory, scheduled = library_days(years)
    return WorkCalendar.build(statutory, centre, scheduled)


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class YearView:
    year: int
    has_data: bool
    library_schedule: bool  # the library has the State Council's notice for the year
    centre_entries: int
    days: tuple[CalendarDay, ...]


@dataclass(frozen=True)
class CalendarImport:
    years: tuple[int, ...]
    work_days: int
    rest_days: int
    replaced: int  # the centre's earlier entries of those years, now removed
    days: tuple[CalendarDay, ...]


# ---------------------------------------------------------------------------- the file
def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"找不到文件：{path}") from None
    except OSError as exc:
        raise ServiceError(f"无法读取文件：{path}（{exc.strerror or exc}）") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ServiceError(f"文件过大：{len(raw) // 1024} KB，日历文件最多 {MAX_FILE_BYTES // 1024} KB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("文件不是 UTF-8 编码，请另存为 UTF-8 的 CSV 后再导入") from None


def parse_calendar_csv(text: str) -> tuple[CalendarDay, ...]:
    """Every line checked; all errors at once, each with its line number (ValidationFailed)."""
    errors: dict[str, str] = {}
    seen: dict[date, int] = {}
    out: list[CalendarDay] = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ServiceError(f"文件行数过多：{len(lines)} 行，最多 {MAX_LINES} 行")
    first = next((i for i, v in enumerate(lines, 1) if v.strip()), 0)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines are allowed (a trailing newline, spacing)
        where = f"第{number}行"
        bad = find_control_char(line)
        if bad is not None:
            errors[where] = f"含有不可见的控制字符（{describe_char(bad)}）"
            continue
        cells = [unicodedata.normalize("NFKC", c).strip() for c in next(csv.reader([line]))]
        if number == first and tuple(cells) == HEADER:
            continue  # the header line
        if len(cells) != 3:
            errors[where] = f"应为三列（日期,类型,名称），实际 {len(cells)} 列"
            continue
        raw_day, raw_kind, name = cells
        if not raw_day:
            errors[where] = "日期为空"
            continue
        m = _DATE.match(raw_day)
        try:
            day = date(int(m[1]), int(m[2]), int(m[3])) if m else None
        except ValueError:
            day = None
        if day is None:
            errors[where] = f"日期“{raw_day[:20]}”无效，应为 YYYY-MM-DD，如 2027-02-20"
            continue
        if day.year not in YEARS:
            errors[where] = f"日期 {day} 的年份超出范围（{YEARS.start}–{YEARS.stop - 1}）"
            continue
        if not raw_kind:
            errors[where] = "类型为空，应为“上班”或“休息”"
            continue
        try:
            kind = DayKind(raw_kind)
        except ValueError:
            errors[where] = f"类型“{raw_kind[:10]}”无效，应为“上班”或“休息”"
            continue
        if not name:
            errors[where] = "名称为空（如“春节调休上班”）"
            continue
        if len(name) > NAME_MAX:
            errors[where] = f"名称过长：{len(name)} 字，最多 {NAME_MAX} 字"
            continue
        if day in seen:
            errors[where] = f"日期 {day} 与第{seen[day]}行重复"
            continue
        seen[day] = number
        out.append(CalendarDay(day, kind, name, DaySource.CENTRE))
    if errors:
        raise ValidationFailed(errors)
    if not out:
        raise ServiceError("文件中没有任何日期（每行：日期,类型,名称，如 2027-02-20,上班,春节调休上班）")
    return tuple(sorted(out, key=lambda d: d.day))


# ---------------------------------------------------------------------------- the service
class CalendarService:
    """Loads the calendar once per console (and again after an import, and from the console's
    timer so another console's import shows up); imports the centre's file."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: WorkCalendar | None = None
        self._loaded_at: datetime | None = None

    def _years(self, today: date) -> range:
        return range(today.year - YEARS_BEFORE, today.year + YEARS_AFTER + 1)

    def _centre(self, s: Session) -> tuple[CalendarDay, ...]:
        return tuple(CalendarDay(r.day, DayKind(r.kind), r.name, DaySource.CENTRE)
                     for r in s.scalars(select(CalendarDayRow).order_by(CalendarDayRow.day)))

    def reload(self, session: Session | None = None) -> WorkCalendar:
        now = self._clock.now()
        if session is not None:
            centre = self._centre(session)
        else:
            with self._factory() as s:
                centre = self._centre(s)
        calendar = library_calendar(self._years(now.date()), centre)
        with self._lock:
            self._cached, self._loaded_at = calendar, now
        return calendar

    def calendar(self, session: Session | None = None) -> WorkCalendar:
        """The calendar loaded last; loaded now (a database read) if it never was. The console
        reloads it in a worker every 10 minutes (ui/app.py), so another console's import shows up."""
        with self._lock:
            cached = self._cached
        return cached if cached is not None else self.reload(session)

    def loaded(self) -> WorkCalendar | None:
        """The calendar already loaded, without touching the database (for the event loop)."""
        with self._lock:
            return self._cached

    def warning(self, today: date) -> str | None:
        calendar = self.loaded()
        return None if calendar is None else missing_data_warning(calendar, today)

    def year(self, year: int) -> YearView:
        if year not in YEARS:
            raise ServiceError(f"年份应在 {YEARS.start}–{YEARS.stop - 1} 之间")
        with self._factory() as s:
            centre = tuple(d for d in self._centre(s) if d.day.year == year)
        calendar = library_calendar(range(year, year + 1), centre)
        return YearView(year, calendar.has_data(year), year in calendar.scheduled_years,
                        len(centre), calendar.days_of(year))

    def import_file(self, path: Path) -> CalendarImport:
        return self.import_text(_decode(path))

    def import_text(self, text: str) -> CalendarImport:
        days = parse_calendar_csv(text)
        years = tuple(sorted({d.day.year for d in days}))
        now = self._clock.now()
        try:
            with self._factory.begin() as s:
                replaced = 0
                for year in years:
                    replaced += s.execute(delete(CalendarDayRow).where(
                        CalendarDayRow.day >= date(year, 1, 1),
                        CalendarDayRow.day <= date(year, 12, 31))).rowcount or 0
                s.add_all(CalendarDayRow(day=d.day, kind=d.kind.value, name=d.name,
                                         imported_at=now) for d in days)
        except IntegrityError:
            raise ServiceError("另一台工作台正在导入同一年的日历，请稍后重试") from None
        self.reload()
        return CalendarImport(years, sum(d.kind is DayKind.WORK for d in days),
                              sum(d.kind is DayKind.REST for d in days), replaced, days)
