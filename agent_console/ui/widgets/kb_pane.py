"""The knowledge-base pane: search box, ranked results with highlights, the answer script."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_console.services.dto import ArticleInfo
from agent_console.ui.safe import script_text
from agent_console.ui.widgets.text_entry import Input

if TYPE_CHECKING:
    from agent_console.search.index import SearchHit
    from agent_console.search.semantic import SemanticStatus


def highlighted_title(hit: SearchHit, article: ArticleInfo | None, today: date) -> Text:
    text = Text(hit.title)
    for start, end in hit.title_spans:
        text.stylize("bold reverse", start, end)
    if article is not None:
        text.append(f"  {article.domain}", style="dim")
        if article.is_stale(today):
            text.append("  [待更新]", style="bold red")
    return text


def nearest_title(hit: SearchHit) -> Text:
    """A title below the relevance floor: shown for orientation, dimmed, never an answer."""
    return Text(hit.title, style="dim")


def article_text(article: ArticleInfo, today: date) -> Text:
    text = Text()
    text.append(article.title + "\n", style="bold")
    text.append(f"{article.id}  {article.category_path or article.domain}\n", style="dim")
    text.append("答复口径\n", style="bold underline")
    text.append(article.answer + "\n\n")
    if article.phrasings:
        text.append("常见问法：", style="bold")
        text.append("；".join(article.phrasings) + "\n")
    if article.policy_basis:
        text.append("政策依据：", style="bold")
        text.append(article.policy_basis + "\n")
    if article.owner_unit:
        text.append("责任单位：", style="bold")
        text.append(article.owner_unit + "\n")
    if article.valid_until:
        style = "bold red" if article.is_stale(today) else ""
        text.append("有效期至：", style="bold")
        text.append(f"{article.valid_until:%Y-%m-%d}", style=style)
        if article.is_stale(today):
            text.append("（已过期，答复前请与责任单位核实）", style="bold red")
        text.append("\n")
    return text


NEAREST = 5  # titles shown dimmed when nothing reaches the relevance floor
TITLE, SHORT_TITLE = "知识库（F2 搜索）", "知识库"


def title_line(status: SemanticStatus | None, width: int) -> Text:
    """The pane's title with the meaning signal's state, in the widest form that fits."""
    if status is None or not status.label():
        return Text(TITLE, style="bold")
    for title, short in ((TITLE, False), (SHORT_TITLE, False), (SHORT_TITLE, True)):
        label = status.label(short=short)
        if cell_len(title) + 2 + cell_len(label) <= width:
            break
    style = "yellow" if status.state == "unavailable" else "dim"
    text = Text(title, style="bold", no_wrap=True, overflow="ellipsis")
    text.append("  " + label, style=style)
    return text


class SearchBox(Input):
    """The KB search field: ↑↓ move the selection in the hit list without leaving the field,
    so F2, a few letters, ↓↓ picks the third hit."""

    BINDINGS = [Binding("down", "hits(1)", "下一条", show=False),
                Binding("up", "hits(-1)", "上一条", show=False)]

    def action_hits(self, step: int) -> None:
        results = self.screen.query_one("#kb-results", OptionList)
        if step > 0:
            results.action_cursor_down()
        else:
            results.action_cursor_up()


class KbPane(Vertical):
    """Shows what the search engine found; the screen decides when to search."""

    def compose(self) -> ComposeResult:
        yield Static(Text(TITLE, style="bold"), classes="pane-title", id="kb-title")
        yield SearchBox(id="kb-search", placeholder="关键词或拼音首字母；留空按诉求内容匹配", compact=True)
        yield Static("知识库索引加载中…", id="kb-status")
        yield OptionList(id="kb-results")
        with VerticalScroll(id="kb-article-scroll"):
            yield Static("", id="kb-article")

    _semantic: SemanticStatus | None = None

    def show_semantic(self, status: SemanticStatus) -> None:
        self._semantic = status
        self._render_title()

    def on_resize(self) -> None:
        if self._semantic is not None:
            self._render_title()

    def _render_title(self) -> None:
        width = self.size.width - 2 if self.size.width else 40
        self.query_one("#kb-title", Static).update(title_line(self._semantic, width))

    def show_status(self, message: str) -> None:
        self.query_one("#kb-status", Static).update(Text(message))

    def show_hits(self, hits: list[SearchHit], articles: dict[str, ArticleInfo],
                  today: date, keep: str | None = None, select: bool = True) -> None:
        """The hits at or above the relevance floor, selectable; a new search selects its top
        hit; ``keep`` holds the agent's own pick when the same search is shown again (its
        answers arrived); ``select=False`` leaves nothing selected (Esc: the agent answers in
        own words). With none above the floor, the nearest titles are shown dimmed and
        disabled: nothing can be selected, so nothing below the floor is read as the answer
        or decides the category and the unit."""
        results = self.query_one("#kb-results", OptionList)
        results.clear_options()
        matches = [hit for hit in hits if hit.relevant]
        if matches:
            results.add_options([
                Option(highlighted_title(hit, articles.get(hit.id), today), id=hit.id)
                for hit in matches
            ])
        else:
            results.add_options([Option(nearest_title(hit), id=hit.id, disabled=True)
                                 for hit in hits[:NEAREST]])
        ids = [h.id for h in matches]
        if matches and select:
            results.highlighted = ids.index(keep) if keep in ids else 0
        else:
            results.highlighted = None
            self.show_article(None, today)

    def clear_selection(self, today: date) -> None:
        self.query_one("#kb-results", OptionList).highlighted = None
        self.show_article(None, today)

    def selected_id(self) -> str | None:
        results = self.query_one("#kb-results", OptionList)
        if results.highlighted is None or results.option_count == 0:
            return None
        option = results.get_option_at_index(results.highlighted)
        return None if option.disabled else option.id

    def show_article(self, article: ArticleInfo | None, today: date) -> None:
        view = self.query_one("#kb-article", Static)
        view.update(script_text(article_text(article, today)) if article else
                    Text("（未选中知识库条目：F5 为自拟答复；F2 后 ↑↓ 选择条目）", style="dim"))
