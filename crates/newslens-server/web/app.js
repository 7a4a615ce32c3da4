// newslens web UI. Plain DOM, no framework, no build step.
//
// Safety rule: article text and every string from the API reach the page only through
// textContent / createTextNode / setAttribute on inert attributes. innerHTML is never used, and
// links are built only from internal routes (#/...) or http(s) URLs.
'use strict';

(function () {
  const main = document.getElementById('main');

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'href') node.setAttribute('href', safeHref(v));
        else if (k === 'data') for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = dv;
        else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // Only internal routes and http(s) URLs become links; anything else (javascript:, data:) is
  // replaced by an inert fragment.
  function safeHref(v) {
    const s = String(v);
    if (s.startsWith('#/') || s.startsWith('/api/')) return s;
    if (/^https?:\/\//i.test(s)) return s;
    return '#/';
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function show(...children) {
    main.replaceChildren(...children.flat(Infinity).filter((c) => c));
    window.scrollTo(0, 0);
  }

  function enc(s) { return encodeURIComponent(s); }
  function route(path, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const qs = q.toString();
    return '#/' + path + (qs ? '?' + qs : '');
  }
  const entityHref = (name) => route('entity/' + enc(name));
  const articleHref = (id) => route('article/' + enc(id));

  async function api(path, opts) {
    const res = await fetch(path, Object.assign({ headers: { Accept: 'application/json' } }, opts || {}));
    let body = null;
    try { body = await res.json(); } catch (_) { body = null; }
    if (!res.ok) throw new Error((body && body.error) || (res.status + ' ' + res.statusText));
    return body;
  }

  function errorBox(e) { return el('p', { class: 'error', role: 'alert' }, 'Error: ', e.message || String(e)); }
  function meta(...parts) { return el('p', { class: 'meta' }, parts.filter((p) => p).map((p, i) => [i ? ' · ' : '', p])); }
  function badge(text, cls) { return el('span', { class: 'badge ' + (cls || '') }, text); }

  // ------------------------------------------------------- code points → UTF-16
  // The API gives offsets in Unicode code points; JS strings index UTF-16 code units.
  function cpTable(text) {
    const table = [];
    let u = 0;
    for (const ch of text) { table.push(u); u += ch.length; }
    table.push(u);
    return table;
  }
  function cpSlice(text, table, start, end) {
    const n = table.length - 1;
    const s = table[Math.max(0, Math.min(start, n))];
    const e = table[Math.max(0, Math.min(end, n))];
    return text.slice(s, e);
  }

  // ------------------------------------------------------------- technique colours
  const TECHNIQUES = [
    'Loaded_Language', 'Name_Calling,Labeling', 'Repetition', 'Exaggeration,Minimisation', 'Doubt',
    'Appeal_to_fear-prejudice', 'Flag-Waving', 'Causal_Oversimplification', 'Slogans',
    'Appeal_to_Authority', 'Black-and-White_Fallacy', 'Thought-terminating_Cliches',
    'Whataboutism,Straw_Men,Red_Herring', 'Bandwagon,Reductio_ad_hitlerum',
  ];
  function techClass(label) {
    let i = TECHNIQUES.indexOf(label);
    if (i < 0) { i = 0; for (const ch of label) i = (i * 31 + ch.codePointAt(0)) % 14; }
    return 'tc' + i;
  }
  const pretty = (label) => String(label).replace(/_/g, ' ');

  // ------------------------------------------------------------- article renderer
  // Collects every layer's spans as annotations with code point offsets.
  function annotations(a) {
    const out = [];
    const ents = a.entities || { mentions: [], clusters: [] };
    const cl = ents.clusters || [];
    for (const m of ents.mentions || []) {
      const c = cl[m.cluster];
      out.push({ key: 'e' + m.id, layer: 'ent', start: m.start, end: m.end, text: m.text,
        name: c ? c.canonical : m.text, type: m.type, kind: m.kind });
    }
    for (const q of a.quotes || []) {
      const speaker = q.speaker_name || (q.speaker !== null && q.speaker !== undefined && cl[q.speaker] ? cl[q.speaker].canonical : null);
      (q.content || []).forEach((s, i) => out.push({ key: 'q' + q.id + '.' + i, layer: 'quote', start: s.start, end: s.end,
        text: s.text, qid: q.id, speaker, qkind: q.kind, cue: q.cue ? q.cue.text : null }));
      if (q.cue) out.push({ key: 'c' + q.id, layer: 'cue', start: q.cue.start, end: q.cue.end, text: q.cue.text, qid: q.id, speaker });
    }
    for (const s of a.scare_quotes || []) out.push({ key: 's' + s.id, layer: 'scare', start: s.start, end: s.end, text: s.text });
    for (const t of a.timexes || []) out.push({ key: 't' + t.id, layer: 'timex', start: t.start, end: t.end, text: t.text,
      value: t.value, ttype: t.type, unresolved: t.unresolved });
    for (const t of a.techniques || []) out.push({ key: 'p' + t.id, layer: 'tech', start: t.start, end: t.end, text: t.text,
      label: t.technique, score: t.score });
    for (const ev of a.events || []) if (ev.action) out.push({ key: 'v' + ev.id, layer: 'event', start: ev.action.start,
      end: ev.action.end, text: ev.action.text, cameo: ev.cameo, cameoLabel: ev.cameo_label, date: ev.date });
    return out.filter((x) => Number.isInteger(x.start) && Number.isInteger(x.end) && x.end > x.start);
  }

  function describe(x, quoteLinks) {
    switch (x.layer) {
      case 'ent': return [badge(x.type, 'ent-' + x.type), ' ', el('a', { href: entityHref(x.name) }, x.name), x.kind !== 'name' ? ' (' + x.kind + ')' : ''];
      case 'quote': {
        const link = quoteLinks[x.qid];
        return [badge(x.qkind + ' quote', 'quote'), ' speaker: ',
          x.speaker ? el('a', { href: entityHref(x.speaker) }, x.speaker) : el('em', null, 'unresolved'),
          x.cue ? ' · cue “' + x.cue + '”' : '',
          link ? [' · ', el('a', { href: route('quote/' + link.quote) }, 'spread')] : ''];
      }
      case 'cue': return [badge('cue', 'cue'), ' ', x.text, x.speaker ? ' — ' + x.speaker : ''];
      case 'scare': return [badge('scare quote', 'scare'), ' ', x.text];
      case 'timex': return [badge(x.ttype || 'TIME', 'timex'), ' ', x.text, ' → ', el('code', null, x.value || '?'), x.unresolved ? ' (unresolved)' : ''];
      case 'tech': return [badge(pretty(x.label), techClass(x.label)), ' score ', (x.score || 0).toFixed(2)];
      case 'event': return [badge('event ' + (x.cameo || ''), 'event'), ' ', x.cameoLabel || '', x.date ? ' · ' + x.date : ''];
      default: return [x.text];
    }
  }

  function tooltip(x) {
    switch (x.layer) {
      case 'ent': return x.name + ' (' + x.type + ')';
      case 'quote': return 'Quote by ' + (x.speaker || 'unresolved speaker');
      case 'cue': return 'Attribution cue' + (x.speaker ? ' — ' + x.speaker : '');
      case 'timex': return (x.ttype || 'TIME') + ' = ' + (x.value || '?');
      case 'tech': return pretty(x.label);
      case 'scare': return 'Scare quote';
      case 'event': return 'Event ' + (x.cameo || '') + ' ' + (x.cameoLabel || '');
      default: return '';
    }
  }

  // Renders the text in blocks (title, byline, paragraphs, other lines), each split into
  // segments at every annotation boundary; a segment carries the keys of all annotations that
  // cover it (data-ann), so overlapping layers stay exact.
  function renderText(a, anns, onPick) {
    const text = a.text || '';
    const table = cpTable(text);
    const n = table.length - 1;
    const blocks = [];
    if (a.title_span) blocks.push({ kind: 'title', start: a.title_span.start, end: a.title_span.end });
    if (a.byline_span) blocks.push({ kind: 'byline', start: a.byline_span.start, end: a.byline_span.end });
    for (const p of a.paragraphs || []) blocks.push({ kind: 'p', start: p.start, end: p.end });
    blocks.sort((x, y) => x.start - y.start);
    // Text outside any block (a dateline line, stray lines) is shown too, as a muted block.
    const all = [];
    // Shrinks a gap to its non-blank part (so blank lines do not become empty blocks).
    const trimmed = (s, e) => {
      while (s < e && !cpSlice(text, table, s, s + 1).trim()) s++;
      while (e > s && !cpSlice(text, table, e - 1, e).trim()) e--;
      return { kind: 'other', start: s, end: e };
    };
    let at = 0;
    for (const b of blocks) {
      if (b.start < at) continue;
      if (b.start > at && cpSlice(text, table, at, b.start).trim()) all.push(trimmed(at, b.start));
      all.push(b);
      at = b.end;
    }
    if (at < n && cpSlice(text, table, at, n).trim()) all.push(trimmed(at, n));

    const doc = el('div', { class: 'doc', lang: a.language || null });
    for (const b of all) {
      const tag = b.kind === 'title' ? 'h2' : 'p';
      const block = el(tag, { class: 'blk blk-' + b.kind });
      const cuts = new Set([b.start, b.end]);
      const inside = anns.filter((x) => x.start < b.end && x.end > b.start);
      for (const x of inside) { cuts.add(Math.max(x.start, b.start)); cuts.add(Math.min(x.end, b.end)); }
      const points = [...cuts].sort((x, y) => x - y);
      for (let i = 0; i + 1 < points.length; i++) {
        const s = points[i], e = points[i + 1];
        const segText = cpSlice(text, table, s, e);
        const cover = inside.filter((x) => x.start <= s && x.end >= e);
        if (!cover.length) { block.appendChild(document.createTextNode(segText)); continue; }
        const ent = cover.find((x) => x.layer === 'ent');
        const classes = ['ann'];
        for (const x of cover) classes.push(x.layer === 'tech' ? 'tech ' + techClass(x.label) : x.layer);
        const node = el(ent ? 'a' : 'span', {
          class: classes.join(' '),
          href: ent ? entityHref(ent.name) : null,
          title: cover.map(tooltip).join('\n'),
          tabindex: ent ? null : '0',
          data: { ann: cover.map((x) => x.key).join(' ') },
        }, segText);
        node.addEventListener('click', (ev) => { if (!ent || ev.altKey) { ev.preventDefault(); onPick(cover); } else onPick(cover); });
        node.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && !ent) onPick(cover); });
        block.appendChild(node);
      }
      doc.appendChild(block);
    }
    return doc;
  }

  function legend(anns, docNode) {
    const counts = {};
    for (const x of anns) counts[x.layer] = (counts[x.layer] || 0) + 1;
    const techs = {};
    for (const x of anns) if (x.layer === 'tech') techs[x.label] = (techs[x.label] || 0) + 1;
    const layers = [['ent', 'Entities'], ['quote', 'Quotes'], ['cue', 'Cues'], ['timex', 'Time'], ['tech', 'Techniques'], ['event', 'Events'], ['scare', 'Scare quotes']];
    const box = el('div', { class: 'legend', role: 'group', 'aria-label': 'Layers' });
    for (const [layer, name] of layers) {
      if (!counts[layer]) continue;
      const id = 'lay-' + layer;
      const cb = el('input', { type: 'checkbox', id, checked: true });
      cb.addEventListener('change', () => docNode.classList.toggle('hide-' + layer, !cb.checked));
      box.appendChild(el('label', { for: id, class: 'lg lg-' + layer }, cb, ' ', el('span', { class: 'swatch sw-' + layer }), ' ', name, ' ', el('small', null, String(counts[layer]))));
    }
    const techList = Object.entries(techs).sort((x, y) => y[1] - x[1]);
    const tl = techList.length ? el('div', { class: 'techlegend' }, el('strong', null, 'Techniques: '),
      techList.map(([label, c]) => el('span', { class: 'tech ' + techClass(label) + ' chip' }, pretty(label) + ' ×' + c))) : null;
    return [box, tl];
  }

  function renderAnalysis(a, opts) {
    const anns = annotations(a);
    const quoteLinks = {};
    for (const l of ((a.store && a.store.quotes) || [])) quoteLinks[l.idx] = l;
    const panel = el('aside', { class: 'panel', 'aria-live': 'polite' }, el('h3', null, 'Evidence'),
      el('p', { class: 'muted' }, 'Click a highlighted span to see what it is.'));
    const pick = (cover) => {
      panel.replaceChildren(el('h3', null, 'Evidence'),
        el('ul', { class: 'evidence' }, cover.map((x) => el('li', null, el('q', null, x.text), el('div', null, describe(x, quoteLinks))))));
    };
    const docNode = renderText(a, anns, pick);
    const d = a;
    const urlLink = d.url && /^https?:\/\//i.test(d.url) ? el('a', { href: d.url, rel: 'noopener noreferrer nofollow', target: '_blank' }, 'original') : null;
    const head = el('header', { class: 'arthead' },
      el('h1', null, d.title || d.id || 'Article'),
      meta(d.outlet, d.dateline, d.byline ? 'By ' + d.byline : null, d.language, urlLink,
        d.store ? el('a', { href: route('story/' + d.store.id) }, 'republications') : null),
      (d.stages && d.stages.length) ? el('p', { class: 'muted small' }, 'Stages: ' + d.stages.join(', ')) : null);
    const side = el('div', { class: 'side' }, panel, summary(a));
    return el('article', { class: 'article' }, head, legend(anns, docNode), el('div', { class: 'cols' }, docNode, side), opts && opts.extra);
  }

  function summary(a) {
    const parts = [];
    const cl = (a.entities && a.entities.clusters) || [];
    if (cl.length) {
      const top = [...cl].sort((x, y) => y.mentions.length - x.mentions.length).slice(0, 12);
      parts.push(el('h3', null, 'Who'), el('ul', { class: 'plain' }, top.map((c) => el('li', null,
        badge(c.type, 'ent-' + c.type), ' ', el('a', { href: entityHref(c.canonical) }, c.canonical), ' ×' + c.mentions.length,
        (c.roles || []).length ? el('small', { class: 'muted' }, ' — ' + c.roles.map((r) => r.title + (r.affiliation ? ' (' + r.affiliation + ')' : '')).join('; ')) : null))));
    }
    const tx = a.timexes || [];
    if (tx.length) parts.push(el('h3', null, 'When'), el('ul', { class: 'plain' }, tx.slice(0, 12).map((t) => el('li', null, '“' + t.text + '” → ', el('code', null, t.value || '?')))));
    if (a.tone) parts.push(el('p', { class: 'muted' }, 'Tone ' + Number(a.tone.tone || 0).toFixed(2)));
    if (a.genre) parts.push(el('p', { class: 'muted' }, 'Genre: ' + a.genre.label));
    return el('div', { class: 'summary' }, parts);
  }

  // ------------------------------------------------------------- charts (inline SVG)
  function barChart(points, series, opts) {
    // points: [{label, values: [..]}], series: [{name, cls}]
    const W = 640, H = 200, padL = 34, padB = 42, padT = 10;
    // Integer ticks: the axis top is four whole steps.
    const step = Math.max(1, Math.ceil(Math.max(1, ...points.flatMap((p) => p.values)) / 4));
    const max = step * 4;
    const bw = (W - padL - 8) / Math.max(1, points.length);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': (opts && opts.label) || 'chart' });
    root.appendChild(svg('title', {}, (opts && opts.label) || 'chart'));
    for (let t = 0; t <= 4; t++) {
      const y = padT + (H - padT - padB) * (1 - t / 4);
      root.appendChild(svg('line', { x1: padL, x2: W - 4, y1: y, y2: y, class: 'grid' }));
      root.appendChild(svg('text', { x: padL - 4, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(step * t)));
    }
    points.forEach((p, i) => {
      const x0 = padL + i * bw;
      const inner = (bw - 4) / series.length;
      p.values.forEach((v, j) => {
        const h = (H - padT - padB) * (v / max);
        const rect = svg('rect', { x: x0 + 2 + j * inner, y: H - padB - h, width: Math.max(1, inner - 1), height: h, class: 'bar ' + series[j].cls });
        rect.appendChild(svg('title', {}, `${p.label}: ${v} ${series[j].name}`));
        root.appendChild(rect);
      });
      const every = Math.ceil(points.length / 12);
      if (i % every === 0) root.appendChild(svg('text', { x: x0 + bw / 2, y: H - padB + 14, class: 'axis', 'text-anchor': 'middle' }, p.label.length > 10 ? p.label.slice(2) : p.label));
    });
    const lg = svg('g', { class: 'chartlegend' });
    series.forEach((s, j) => {
      lg.appendChild(svg('rect', { x: padL + j * 110, y: H - 16, width: 10, height: 10, class: 'bar ' + s.cls }));
      lg.appendChild(svg('text', { x: padL + 14 + j * 110, y: H - 7, class: 'axis' }, s.name));
    });
    root.appendChild(lg);
    return el('figure', { class: 'chartbox' }, root);
  }

  // ------------------------------------------------------------- pages
  function filterForm(p) {
    const input = (name, label, type) => el('label', null, label, el('input', { name, type: type || 'text', value: p[name] || '' }));
    const tech = el('select', { name: 'technique' }, el('option', { value: '' }, 'any'),
      TECHNIQUES.map((t) => el('option', { value: t, selected: p.technique === t }, pretty(t))));
    const kind = el('select', { name: 'kind' }, el('option', { value: '' }, 'articles & quotes'),
      el('option', { value: 'article', selected: p.kind === 'article' }, 'articles'),
      el('option', { value: 'quote', selected: p.kind === 'quote' }, 'quotes'));
    const form = el('form', { class: 'filters', id: 'filters' },
      input('entity', 'Entity'), input('speaker', 'Speaker'), el('label', null, 'Technique', tech),
      input('source', 'Outlet'), input('from', 'From', 'date'), input('to', 'To', 'date'), el('label', null, 'Kind', kind),
      el('button', { type: 'submit' }, 'Apply'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const next = { q: p.q || '' };
      for (const [k, v] of new FormData(form).entries()) if (v) next[k] = v;
      location.hash = route('search', next);
    });
    return form;
  }

  function snippetNode(h) {
    const text = h.snippet || '';
    const table = cpTable(text);
    const n = table.length - 1;
    const out = el('p', { class: 'snippet' });
    let at = 0;
    for (const [s, e] of h.highlights || []) {
      if (s < at || e > n) continue;
      out.appendChild(document.createTextNode(cpSlice(text, table, at, s)));
      out.appendChild(el('mark', null, cpSlice(text, table, s, e)));
      at = e;
    }
    out.appendChild(document.createTextNode(cpSlice(text, table, at, n)));
    return out;
  }

  async function searchPage(p) {
    document.getElementById('q').value = p.q || '';
    show(el('p', { class: 'muted' }, 'Searching…'));
    let res;
    try { res = await api('/api/search?' + new URLSearchParams(Object.assign({ limit: '30' }, p)).toString()); } catch (e) { show(filterForm(p), errorBox(e)); return; }
    const facetBox = el('aside', { class: 'facets', 'aria-label': 'Facets' });
    const addFacet = (title, items, param, map) => {
      if (!items.length) return;
      facetBox.appendChild(el('h3', null, title));
      facetBox.appendChild(el('ul', { class: 'plain' }, items.map((f) => el('li', null,
        el('a', { href: route('search', Object.assign({}, p, map ? map(f.value) : { [param]: f.value })) }, f.value), ' ', el('small', null, String(f.count))))));
    };
    addFacet('Kind', res.facets.kind, 'kind');
    addFacet('Outlet', res.facets.outlet, 'source');
    addFacet('Speaker', res.facets.speaker, 'speaker');
    addFacet('Month', res.facets.month, null, (m) => ({ from: m + '-01', to: m + '-31' }));
    const list = el('ol', { class: 'hits' }, res.hits.map((h) => el('li', { class: 'hit hit-' + h.kind },
      el('div', { class: 'hithead' }, badge(h.kind, h.kind), ' ',
        el('a', { class: 'hittitle', href: articleHref(h.doc) }, h.title || h.doc_id)),
      meta(h.outlet, h.dateline, h.speaker ? el('span', null, 'speaker ', el('a', { href: entityHref(h.speaker) }, h.speaker)) : null,
        h.quote ? el('a', { href: route('quote/' + h.quote) }, 'spread') : null),
      snippetNode(h))));
    const title = p.q ? ['Results for “', p.q, '”'] : ['Latest articles and quotes'];
    show(el('h1', null, title), filterForm(p),
      el('div', { class: 'cols search' }, el('section', null,
        res.hits.length ? list : el('p', { class: 'muted' }, 'Nothing found.')), facetBox));
  }

  async function homePage() {
    document.getElementById('q').value = '';
    let stats = null;
    try { stats = await api('/api/stats'); } catch (e) { show(errorBox(e)); return; }
    const cards = el('div', { class: 'stats' }, Object.entries(stats).map(([k, v]) => el('div', { class: 'stat' }, el('strong', null, String(v)), el('span', null, k.replace(/_/g, ' ')))));
    let hits = [];
    try { hits = (await api('/api/search?kind=article&limit=12')).hits; } catch (_) { hits = []; }
    show(el('h1', null, 'newslens'),
      el('p', { class: 'lead' }, 'Who said what, when, and how it persuades — every highlight is a span of the source text.'),
      cards,
      el('h2', null, 'Articles'),
      hits.length ? el('ul', { class: 'cards' }, hits.map((h) => el('li', null, el('a', { href: articleHref(h.doc) }, h.title || h.doc_id), meta(h.outlet, h.dateline))))
        : el('p', { class: 'muted' }, 'The store is empty: run `newslens ingest FILES` or `newslens demo`, or paste an article under Analyze.'));
  }

  async function articlePage(id) {
    show(el('p', { class: 'muted' }, 'Loading article…'));
    try {
      const a = await api('/api/articles/' + enc(id));
      document.title = (a.title || 'Article') + ' — newslens';
      show(renderAnalysis(a));
    } catch (e) { show(errorBox(e)); }
  }

  function quoteList(quotes, empty) {
    if (!quotes.length) return el('p', { class: 'muted' }, empty);
    return el('ul', { class: 'quotes' }, quotes.map((q) => el('li', null,
      el('blockquote', null, q.text),
      meta(q.speaker ? el('a', { href: entityHref(q.speaker) }, q.speaker) : 'unresolved speaker', q.kind,
        el('a', { href: articleHref(q.doc) }, q.title || ('article ' + q.doc)), q.outlet, q.dateline))));
  }

  async function entityPage(name) {
    show(el('p', { class: 'muted' }, 'Loading entity…'));
    let e;
    try { e = await api('/api/entities/' + enc(name)); } catch (err) { show(errorBox(err)); return; }
    document.title = e.name + ' — newslens';
    const tl = e.timeline.points.map((p) => ({ label: p.period, values: [p.articles, p.quotes] }));
    show(el('article', { class: 'entity' },
      el('h1', null, e.name, ' ', badge(e.type, 'ent-' + e.type)),
      e.aliases.length ? meta('Also: ' + e.aliases.join(', ')) : null,
      el('div', { class: 'cols' },
        el('section', null,
          el('h2', null, 'Timeline'),
          tl.length ? barChart(tl, [{ name: 'articles', cls: 's0' }, { name: 'quotes', cls: 's1' }], { label: 'Articles and quotes per day for ' + e.name }) : el('p', { class: 'muted' }, 'No dated articles.'),
          el('h2', null, 'Quotes by ', e.name, ' ', el('small', null, String(e.quotes_by.length))),
          quoteList(e.quotes_by, 'No quotes attributed.'),
          el('h2', null, 'Quotes about ', e.name, ' ', el('small', null, String(e.quotes_about.length))),
          quoteList(e.quotes_about, 'No quotes mention this entity.')),
        el('aside', { class: 'side' },
          el('h3', null, 'Roles'),
          e.roles.length ? el('ul', { class: 'plain roles' }, e.roles.map((r) => el('li', null, r.title, r.affiliation ? ' (' + r.affiliation + ')' : '', ' ',
            el('small', null, '×' + r.count), ' ', el('a', { href: articleHref(r.doc) }, 'source')))) : el('p', { class: 'muted' }, 'No roles stated.'),
          el('h3', null, 'Articles ', el('small', null, e.articles.length < e.documents ? e.articles.length + ' newest of ' + e.documents : String(e.documents))),
          el('ul', { class: 'plain' }, e.articles.map((a) => el('li', null, el('a', { href: articleHref(a.doc) }, a.title || ('article ' + a.doc)), ' ', el('small', { class: 'muted' }, [a.dateline, a.outlet].filter((x) => x).join(' · '))))),
          e.quote_clusters.length ? [el('h3', null, 'Quote spread'), el('ul', { class: 'plain' }, e.quote_clusters.map((c) => el('li', null,
            el('a', { href: route('quote/' + c.id) }, '“' + c.first.text.slice(0, 80) + (c.first.text.length > 80 ? '…' : '') + '”'), ' ', el('small', null, '×' + c.size))))] : null))));
  }

  const ENTITY_TYPES = [['', 'All'], ['PER', 'People'], ['ORG', 'Organisations'], ['LOC', 'Places'], ['MISC', 'Other']];

  async function entitiesPage(p) {
    show(el('p', { class: 'muted' }, 'Loading…'));
    const type = ENTITY_TYPES.some(([t]) => t === p.type) ? p.type : '';
    let list;
    try { list = await api('/api/entities?' + new URLSearchParams(type ? { limit: '100', type } : { limit: '100' })); } catch (e) { show(errorBox(e)); return; }
    const filters = el('p', { class: 'filters' }, ENTITY_TYPES.map(([t, label], i) => [i ? ' · ' : '',
      t === type ? el('strong', null, label) : el('a', { href: route('entities', { type: t }) }, label)]));
    show(el('h1', null, 'Entities'), filters, el('table', { class: 'tbl' },
      el('thead', null, el('tr', null, ['Name', 'Type', 'Articles', 'Mentions', 'Quotes', 'Appears with'].map((h) => el('th', null, h)))),
      el('tbody', null, list.map((e) => el('tr', null,
        el('td', null, el('a', { href: entityHref(e.name) }, e.name)), el('td', null, badge(e.type, 'ent-' + e.type)),
        el('td', { class: 'num' }, String(e.documents)), el('td', { class: 'num' }, String(e.mentions)), el('td', { class: 'num' }, String(e.quotes)),
        el('td', null, e.with.map((w, i) => [i ? ', ' : '', el('a', { href: entityHref(w.name) }, w.name)])))))));
  }

  function storyBlock(s) {
    return el('section', { class: 'story' },
      el('h2', null, s.origin.title || s.origin.doc_id, ' ', el('small', null, s.size + ' copies')),
      meta('Outlets: ' + (s.outlets.join(', ') || '—')),
      el('ol', { class: 'members' }, s.members.map((m, i) => el('li', { class: i === 0 ? 'origin' : '' },
        i === 0 ? badge('origin', 'origin') : badge((m.similarity * 100).toFixed(0) + '% similar', 'sim'), ' ',
        el('a', { href: articleHref(m.doc) }, m.title || m.doc_id), ' ',
        el('small', { class: 'muted' }, [m.dateline, m.outlet].filter((x) => x).join(' · ')),
        (m.copies || []).length ? el('small', { class: 'muted' }, ' (+' + m.copies.length + ' identical copies)') : null))));
  }

  async function storiesPage() {
    show(el('p', { class: 'muted' }, 'Loading…'));
    let list;
    try { list = await api('/api/stories?limit=50'); } catch (e) { show(errorBox(e)); return; }
    show(el('h1', null, 'Stories'), el('p', { class: 'lead' }, 'Republication clusters: the same story across outlets, earliest copy first.'),
      list.length ? list.map(storyBlock) : el('p', { class: 'muted' }, 'No story was republished in this corpus.'));
  }

  async function storyPage(id) {
    try { show(storyBlock(await api('/api/stories/' + enc(id)))); } catch (e) { show(errorBox(e)); }
  }

  async function quotesPage(p) {
    show(el('p', { class: 'muted' }, 'Loading…'));
    let list;
    try { list = await api('/api/quotes?' + new URLSearchParams({ limit: '50', speaker: p.speaker || '' })); } catch (e) { show(errorBox(e)); return; }
    show(el('h1', null, 'Quotes', p.speaker ? ' by ' + p.speaker : ''), el('ul', { class: 'quotes' }, list.map((c) => el('li', null,
      el('blockquote', null, c.first.text),
      meta(c.speakers.join(' / ') || 'unattributed', c.size + ' occurrence(s)', c.outlets.length + ' outlet(s)', 'first ' + (c.first.dateline || 'undated'),
        el('a', { href: route('quote/' + c.id) }, 'spread'))))));
  }

  async function quotePage(id) {
    show(el('p', { class: 'muted' }, 'Loading…'));
    let c;
    try { c = await api('/api/quotes/' + enc(id) + '/spread'); } catch (e) { show(errorBox(e)); return; }
    let cum = 0;
    const pts = c.per_day.map((p) => { cum += p.count; return { label: p.period, values: [p.count, cum] }; });
    show(el('article', { class: 'spread' },
      el('h1', null, 'Quote spread'),
      el('blockquote', { class: 'big' }, c.first.text),
      meta(c.speakers.length ? c.speakers.map((s, i) => [i ? ' / ' : '', el('a', { href: entityHref(s) }, s)]) : 'unattributed',
        c.size + ' occurrence(s)', c.outlets.length + ' outlet(s)'),
      el('h2', null, 'Over time'),
      barChart(pts, [{ name: 'per day', cls: 's0' }, { name: 'cumulative', cls: 's1' }], { label: 'Occurrences of the quote per day' }),
      c.variants.length > 1 ? [el('h2', null, 'Wordings'), el('ul', { class: 'plain' }, c.variants.map((v) => el('li', null, '“' + v.text + '” ', el('small', null, '×' + v.count))))] : null,
      el('h2', null, 'Occurrences (first appearance first)'),
      el('ol', { class: 'members' }, c.occurrences.map((o, i) => el('li', { class: i === 0 ? 'origin' : '' },
        i === 0 ? badge('first', 'origin') : null, ' ', el('a', { href: articleHref(o.doc) }, o.doc_id), ' ',
        el('small', { class: 'muted' }, [o.dateline, o.outlet, o.speaker].filter((x) => x).join(' · ')), el('div', { class: 'occ' }, '“' + o.text + '”'))))));
  }

  function analyzePage() {
    const ta = el('textarea', { id: 'analyze-text', rows: '12', placeholder: 'date 2025-01-31 Headline\n\nBy Someone\n\nFirst paragraph…' });
    const out = el('div', { class: 'analysis-out' });
    const btn = el('button', { type: 'submit' }, 'Analyze');
    const form = el('form', { class: 'analyze' }, el('label', { for: 'analyze-text' }, 'Paste an article (seed format or plain text):'), ta, btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      btn.disabled = true;
      out.replaceChildren(el('p', { class: 'muted' }, 'Analysing…'));
      try {
        const a = await api('/api/analyze', { method: 'POST', headers: { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'application/json' }, body: ta.value });
        out.replaceChildren(renderAnalysis(a));
      } catch (e) { out.replaceChildren(errorBox(e)); }
      btn.disabled = false;
    });
    show(el('h1', null, 'Analyze'), el('p', { class: 'lead' }, 'Nothing is stored.'), form, out);
  }

  // ------------------------------------------------------------- router
  async function router() {
    const h = location.hash.replace(/^#\/?/, '');
    const [path, qs] = h.split('?');
    const p = Object.fromEntries(new URLSearchParams(qs || ''));
    const parts = path.split('/').map((x) => { try { return decodeURIComponent(x); } catch (_) { return x; } });
    document.title = 'newslens';
    document.body.dataset.page = parts[0] || 'home';
    document.getElementById('q').value = parts[0] === 'search' ? (p.q || '') : '';
    switch (parts[0]) {
      case '': case undefined: return homePage();
      case 'search': return searchPage(p);
      case 'article': return articlePage(parts.slice(1).join('/'));
      case 'entity': return entityPage(parts.slice(1).join('/'));
      case 'entities': return entitiesPage(p);
      case 'stories': return storiesPage();
      case 'story': return storyPage(parts[1]);
      case 'quotes': return quotesPage(p);
      case 'quote': return quotePage(parts[1]);
      case 'analyze': return analyzePage();
      default: show(el('p', { class: 'error' }, 'No such page.'));
    }
  }

  document.getElementById('searchform').addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = route('search', { q: document.getElementById('q').value });
  });
  // `data-ready` names the route whose page has finished rendering (tests wait on it); a
  // navigation that was overtaken by a newer one does not set it.
  let navigation = 0;
  function navigate() {
    const mine = ++navigation;
    delete document.body.dataset.ready;
    router().catch((e) => show(errorBox(e))).finally(() => { if (mine === navigation) document.body.dataset.ready = location.hash; });
  }
  window.addEventListener('hashchange', navigate);
  navigate();
})();
