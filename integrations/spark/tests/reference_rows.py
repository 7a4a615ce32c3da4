"""Reference flattening of one ``newslens analyze --format jsonl`` record into table rows.

An independent Python implementation of what ``newslens analyze --format rows`` emits (the
driver itself no longer flattens: the binary does). ``spark_e2e.py`` compares every Parquet
table with these rows, so two implementations must agree for the tests to pass.
"""

import datetime as _dt
import json

_INT32 = (-(2**31), 2**31 - 1)


def _i(v):
    """A signed 32-bit value or None (anything else is a bug in the input, not silently cut)."""
    if v is None or isinstance(v, bool):
        return None
    v = int(v)
    if not _INT32[0] <= v <= _INT32[1]:
        raise ValueError(f"{v} does not fit a signed 32-bit column")
    return v


def _f(v):
    return None if v is None else float(v)


def _span(s):
    if not isinstance(s, dict):
        return (None, None, None)
    return (_i(s.get("start")), _i(s.get("end")), s.get("text"))


def _date(s):
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(str(s)[:10])
    except ValueError:
        return None


def flatten(input_index: int, input_file: str | None, a: dict):
    """Yields ``(table, tuple)`` rows for one analysis JSON object."""
    h = a.get("content_hash") or ""
    doc_id = a.get("id")
    ents = a.get("entities") or {}
    mentions = ents.get("mentions") or []
    clusters = ents.get("clusters") or []
    canonical = {c.get("id"): c.get("canonical") for c in clusters}
    quotes = a.get("quotes") or []
    techniques = a.get("techniques") or []
    events = a.get("events") or []
    tone = a.get("tone") or {}
    genre = a.get("genre") or {}
    frames = a.get("frames") or []
    doc = (
        input_index, input_file, h, doc_id, a.get("url"), a.get("outlet"), a.get("format"),
        _date(a.get("dateline")), a.get("title"), a.get("byline"), a.get("language"),
        a.get("schema_version"), ",".join(a.get("stages") or []), _i(len(a.get("text") or "")),
        _i(len(a.get("paragraphs") or [])), _i(len(a.get("sentences") or [])),
        _i(len(a.get("tokens") or [])), _i(len(mentions)), _i(len(clusters)), _i(len(quotes)),
        _i(len(a.get("timexes") or [])), _i(len(events)), _i(len(techniques)),
        _f(tone.get("tone")), genre.get("label"),
        ",".join(str(f.get("label")) for f in frames if isinstance(f, dict)) or None,
        "\n".join(a.get("warnings") or []) or None,
        json.dumps(a, ensure_ascii=False, separators=(",", ":")),
    )
    yield "documents", doc
    for m in mentions:
        yield "entities", (
            input_index, h, doc_id, _i(m.get("id")), _i(m.get("cluster")), _i(m.get("start")),
            _i(m.get("end")), m.get("text"), m.get("type"), m.get("kind"), _f(m.get("score")),
            canonical.get(m.get("cluster")),
        )
    for q in quotes:
        content = [c for c in (q.get("content") or []) if isinstance(c, dict)]
        start = min((c["start"] for c in content), default=None)
        end = max((c["end"] for c in content), default=None)
        text = " … ".join((c.get("text") or "").strip() for c in content)
        cs, ce, ct = _span(q.get("cue"))
        ss, se, st = _span(q.get("source"))
        speaker = q.get("speaker")
        yield "quotes", (
            input_index, h, doc_id, _i(q.get("id")), q.get("kind"), _i(start), _i(end), text,
            _i(len(content)), cs, ce, ct, q.get("cue_lemma"), ss, se, st, _i(speaker),
            q.get("speaker_name") or canonical.get(speaker), _f(q.get("score")),
        )
    for t in techniques:
        yield "techniques", (
            input_index, h, doc_id, _i(t.get("id")), _i(t.get("start")), _i(t.get("end")),
            t.get("text"), t.get("technique"), t.get("technique_2023"), _f(t.get("score")),
            _i(t.get("sentence")),
        )
    for e in events:
        as_, ae, at = _span(e.get("actor_span"))
        cs, ce, ct = _span(e.get("action"))
        ts, te, tt = _span(e.get("target_span"))
        yield "events", (
            input_index, h, doc_id, _i(e.get("id")), _i(e.get("actor")),
            canonical.get(e.get("actor")), as_, ae, at, cs, ce, ct, _i(e.get("target")),
            canonical.get(e.get("target")), ts, te, tt, e.get("cameo"), e.get("cameo_root"),
            e.get("cameo_label"), _f(e.get("goldstein")), _i(e.get("timex")), e.get("date"),
            e.get("modality"), _i(e.get("sentence")),
        )

