"""Stories: articles grouped by the event they report, kept up to date as articles arrive.

    signals   each article as an ArticleSignal: id, date, outlet, and one vector, the mean of its
              chunk vectors plus its title's vector (signals.article_signals)
    search    its candidates: articles dated within the window where a link is still possible
              (a bucket per day), and the nearest undated ones by vector (FAISS HNSW); an undated
              article takes the nearest of any date (rows.Rows)
    link      a pair scores cosine minus time_decay * ln(1 + days apart); the stories where some
              member reaches join_score are touched (link.pair_scores)
    place     the touched stories' members and the new article are regrouped: complete link among
              pairs near in time, best pair across longer gaps; the article joins a story, starts
              one, or bridges two that merge, and ids pass to the groups that hold most of each
              old story (place.assign; rebuild places a whole pile in date order)
    state     StoryState keeps rows, labels and members; state_to_payload / state_from_payload
              turn it into JSON-able values and numpy arrays for a store
    title     a story's headline is its most central member's title (title.story_title)

At ingest: `state = assign(state, article_signals(new_articles, their_chunk_vectors, embedder))`;
for a rebuild: `state = rebuild(article_signals(all_articles, chunk_vectors, embedder))`.
"""

from rag.stories.model import (
    ArticleSignal,
    Story,
    StorySettings,
    StoryState,
    StoryStateError,
    state_from_payload,
    state_to_payload,
)
from rag.stories.place import assign, rebuild
from rag.stories.signals import article_signals, article_vector
from rag.stories.title import story_title

__all__ = [
    "ArticleSignal",
    "Story",
    "StorySettings",
    "StoryState",
    "StoryStateError",
    "article_signals",
    "article_vector",
    "assign",
    "rebuild",
    "state_from_payload",
    "state_to_payload",
    "story_title",
]
