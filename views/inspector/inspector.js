// The local inspector's page script (docs/observability.md, "Local inspector"). Plain
// browser JavaScript, no build step. Every value from an event is written with
// textContent or as an attribute value, never as markup.
(() => {
  const body = document.body;
  const base = body.dataset.base || '';
  const MAX_ROWS = 300;
  /** @type {Map<number, any>} */
  const rows = new Map();
  let replays = {};
  let flags = {};
  let stats = { size: 0, capacity: 0, dropped: 0 };
  const open = new Set();
  const params = new URLSearchParams(location.search);
  const filter = {
    event: params.get('event') || '',
    user: params.get('user') || '',
    session: params.get('session') || '',
  };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // Times: local clock time and "12 s ago"; the receipt time on hover.
  function ago(ms) {
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }
  const local = (iso) => new Date(iso).toLocaleString();
  function timeCell(row) {
    const at = Date.parse(row.time);
    const td = el('td', {
      class: 'time',
      title: `happened ${local(row.time)}\nreceived ${local(row.receivedAt)} (${row.receivedAt})`,
    });
    td.append(
      el('time', { datetime: row.time, text: new Date(at).toLocaleTimeString() }),
      el('span', { class: 'ago', 'data-at': at, text: ago(at) }),
    );
    return td;
  }

  function chip(kind, value, label) {
    if (!value) return document.createTextNode('');
    return el('button', {
      type: 'button',
      class: `chip chip-${kind}`,
      title: `show only this ${kind}`,
      text: label || value,
      onclick: () => setFilter(kind, value),
    });
  }

  function frameList(frames) {
    const list = el('ol', { class: 'stack' });
    for (const frame of frames) list.append(el('li', { text: frame.text }));
    return list;
  }

  /** A <details> that stays open across re-renders (the list is rebuilt as events arrive). */
  function keptDetails(key, cls) {
    const details = el('details', { class: cls, 'data-key': key });
    details.addEventListener('toggle', () => {
      if (details.open) open.add(key);
      else open.delete(key);
    });
    if (open.has(key)) details.open = true;
    return details;
  }

  function exceptionBlock(exc, summary, key) {
    const block = el('div', { class: 'exception' });
    const title = `${exc.type}: ${exc.value}`;
    // The row's summary line already says it for the first exception.
    if (!summary.startsWith(title)) block.append(el('div', { class: 'exc-title', text: title }));
    if (exc.appFrames.length) block.append(frameList(exc.appFrames));
    else block.append(el('div', { class: 'note', text: 'no frames of the app itself' }));
    if (exc.otherFrames.length) {
      const more = keptDetails(key, 'more-frames');
      more.append(
        el('summary', {
          text: `${exc.otherFrames.length} more frames (node_modules, node: internals)`,
        }),
        frameList(exc.otherFrames),
      );
      block.append(more);
    }
    return block;
  }

  function generationBlock(gen) {
    const dl = el('dl', { class: 'ai' });
    const add = (name, value) => {
      if (value === undefined || value === null || value === '') return;
      dl.append(el('dt', { text: name }), el('dd', { text: value }));
    };
    add('model', `${gen.provider} ${gen.model}`);
    if (gen.inputTokens !== undefined || gen.outputTokens !== undefined) {
      add('tokens', `${gen.inputTokens ?? '?'} in, ${gen.outputTokens ?? '?'} out`);
    }
    add('latency', gen.latency);
    for (const cost of gen.costs) add(cost.name.replace(/_/g, ' '), cost.usd);
    add('HTTP status', gen.httpStatus);
    add('error', gen.error);
    const block = el('div', { class: 'generation' }, dl);
    const conversation = [...gen.input, ...gen.output.map((m) => ({ ...m, output: true }))];
    if (conversation.length) {
      const list = el('ul', { class: 'messages' });
      for (const m of conversation) {
        list.append(
          el(
            'li',
            { class: m.output ? 'out' : 'in' },
            el('span', { class: 'role', text: m.role || (m.output ? 'output' : 'input') }),
            document.createTextNode(m.content),
          ),
        );
      }
      block.append(list);
    }
    return block;
  }

  function propertiesBlock(row) {
    const details = el('details', { class: 'props', 'data-key': `props-${row.id}` });
    const pre = el('pre', { text: 'loading…' });
    details.append(
      el('summary', { text: `properties (${Math.round(row.bytes / 102.4) / 10} KB)` }),
      pre,
    );
    const load = () => {
      fetch(`${base}/api/events/${row.id}`)
        .then((r) => (r.ok ? r.json() : { properties: 'no longer held by the inspector' }))
        .then((data) => {
          pre.textContent = data.properties;
        })
        .catch(() => {
          pre.textContent = 'could not load';
        });
    };
    details.addEventListener('toggle', () => {
      if (details.open) {
        open.add(`props-${row.id}`);
        load();
      } else open.delete(`props-${row.id}`);
    });
    if (open.has(`props-${row.id}`)) {
      details.open = true;
      load();
    }
    return details;
  }

  function rowNode(row) {
    const details = el('td', { class: 'details' });
    details.append(el('div', { class: 'summary', text: row.summary }));
    (row.exceptions || []).forEach((exc, i) => {
      details.append(exceptionBlock(exc, row.summary, `frames-${row.id}-${i}`));
    });
    if (row.generation) details.append(generationBlock(row.generation));
    details.append(propertiesBlock(row));
    const tr = el('tr', { class: 'row', 'data-id': row.id, 'data-event': row.event });
    tr.append(
      timeCell(row),
      el('td', { class: `src src-${row.source}`, text: row.source }),
      el('td', { class: 'event' }, chip('event', row.event)),
      el('td', { class: 'user' }, chip('user', row.distinctId)),
      details,
    );
    return tr;
  }

  function table(list) {
    const t = el('table');
    t.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { text: 'Time' }),
          el('th', { text: 'Source' }),
          el('th', { text: 'Event' }),
          el('th', { text: 'User' }),
          el('th', { text: 'Details' }),
        ),
      ),
    );
    const tbody = el('tbody');
    for (const row of list) tbody.append(rowNode(row));
    t.append(tbody);
    return t;
  }

  const contains = (value, needle) =>
    typeof value === 'string' && value.toLowerCase().includes(needle.toLowerCase());
  function matches(row) {
    if (filter.event && !contains(row.event, filter.event)) return false;
    if (filter.user && !contains(row.distinctId, filter.user)) return false;
    if (filter.session && !contains(row.sessionId, filter.session)) return false;
    return true;
  }

  function sessionHead(session, list) {
    const head = el('div', { class: 'group-head' });
    if (!session) {
      head.append(
        el('strong', { text: 'No session' }),
        el('span', { class: 'note', text: 'server events outside a browser session' }),
      );
    } else {
      head.append(el('strong', { text: 'Session' }), chip('session', session));
      const users = [...new Set(list.map((r) => r.distinctId).filter(Boolean))];
      if (users.length)
        head.append(el('span', { class: 'label', text: users.length === 1 ? 'user' : 'users' }));
      for (const user of users.slice(0, 3)) head.append(chip('user', user));
    }
    const times = list.map((r) => Date.parse(r.time));
    const span = times.length ? Math.round((Math.max(...times) - Math.min(...times)) / 1000) : 0;
    head.append(
      el('span', {
        class: 'note',
        text: `${list.length} event${list.length === 1 ? '' : 's'}${span ? ` over ${span} s` : ''}`,
      }),
    );
    const snapshots = session ? replays[session] || 0 : 0;
    if (snapshots) {
      head.append(
        el('button', {
          type: 'button',
          class: 'play',
          'data-session': session,
          text: `▶ Play replay (${snapshots} snapshot${snapshots === 1 ? '' : 's'})`,
          onclick: () => play(session),
        }),
      );
    }
    return head;
  }

  function render() {
    const list = [...rows.values()]
      .filter(matches)
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.id - a.id);
    const main = $('events');
    const frag = document.createDocumentFragment();
    // Sessions that have a replay but no other row yet (an open tab, no pageview kept).
    const replayOnly = Object.keys(replays).filter(
      (s) =>
        !list.some((r) => r.sessionId === s) &&
        (!filter.session || contains(s, filter.session)) &&
        !filter.event &&
        !filter.user,
    );
    if (!list.length && !replayOnly.length) {
      const any = rows.size > 0;
      frag.append(
        el('p', {
          class: 'empty',
          text: any
            ? 'No events match these filters.'
            : 'No events yet. Open the app in a browser and click around: events appear here as they arrive.',
        }),
      );
    } else if ($('group').checked) {
      const groups = new Map();
      for (const row of list) {
        const key = row.sessionId || '';
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(row);
      }
      for (const [session, group] of groups) {
        frag.append(
          el(
            'section',
            { class: 'group', 'data-session': session },
            sessionHead(session, group),
            table(group),
          ),
        );
      }
      for (const session of replayOnly) {
        const head = sessionHead(session, []);
        frag.append(el('section', { class: 'group', 'data-session': session }, head));
      }
    } else frag.append(table(list));
    main.replaceChildren(frag);
    $('stats').textContent =
      `${stats.size} of ${stats.capacity} events held${stats.dropped ? `, ${stats.dropped} older ones dropped` : ''}`;
    $('truncated').hidden = stats.size <= MAX_ROWS;
  }

  // Events arrive in bursts (a page load, a replay flush): draw at most every 100 ms.
  let pendingRender = 0;
  function scheduleRender() {
    if (pendingRender) return;
    pendingRender = setTimeout(() => {
      pendingRender = 0;
      render();
    }, 100);
  }

  function renderFlags() {
    const list = $('flags');
    const keys = Object.keys(flags).sort();
    $('flags-count').textContent = keys.length
      ? `(${keys.filter((k) => flags[k] !== false).length} of ${keys.length} on)`
      : '(none set)';
    list.replaceChildren(
      ...keys.map((key) => {
        const value = flags[key];
        const box = el('input', { type: 'checkbox', 'data-flag': key, checked: value !== false });
        box.addEventListener('change', () => setFlag(key, box.checked));
        const remove = el('button', {
          type: 'button',
          class: 'chip',
          text: 'remove',
          onclick: () => setFlag(key, null),
        });
        const label = el(
          'label',
          {},
          box,
          document.createTextNode(` ${key}`),
          typeof value === 'string' ? el('code', { text: ` = ${value}` }) : null,
        );
        return el('li', {}, label, document.createTextNode(' '), remove);
      }),
    );
  }

  function setFlag(key, value) {
    $('flag-error').textContent = '';
    return fetch(`${base}/api/flags`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key, value }),
    })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) throw new Error(data.detail || 'refused');
        flags = data.flags;
        renderFlags();
      })
      .catch((error) => {
        $('flag-error').textContent = String(error.message || error);
      });
  }

  $('flag-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = $('flag-value').value.trim();
    const value =
      raw === '' || raw === 'true' || raw === 'on'
        ? true
        : raw === 'false' || raw === 'off'
          ? false
          : raw;
    setFlag($('flag-key').value.trim(), value).then(() => {
      if (!$('flag-error').textContent) $('flag-key').value = '';
    });
  });

  function setFilter(kind, value) {
    filter[kind] = value;
    $(`f-${kind}`).value = value;
    syncUrl();
    render();
  }
  function syncUrl() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
    const search = q.toString();
    history.replaceState(null, '', search ? `?${search}` : location.pathname);
  }
  for (const kind of ['event', 'user', 'session']) {
    const input = $(`f-${kind}`);
    input.value = filter[kind];
    input.addEventListener('input', () => {
      filter[kind] = input.value.trim();
      syncUrl();
      render();
    });
  }
  $('f-clear').addEventListener('click', () => {
    for (const kind of ['event', 'user', 'session']) setFilter(kind, '');
  });
  $('group').addEventListener('change', render);
  $('clear').addEventListener('click', () => {
    fetch(`${base}/api/events`, { method: 'DELETE' });
  });

  // Replay: rrweb-player, served first-party by the inspector, loaded on first use.
  let playerLoaded;
  function loadPlayer() {
    const script = body.dataset.playerScript;
    if (!script)
      return Promise.reject(
        new Error('rrweb-player is not installed: npm install --save-dev rrweb-player'),
      );
    playerLoaded ??= new Promise((resolve, reject) => {
      document.head.append(el('link', { rel: 'stylesheet', href: body.dataset.playerStyle }));
      const tag = el('script', { src: script });
      tag.addEventListener('load', () => resolve(window.rrwebPlayer));
      tag.addEventListener('error', () => reject(new Error('could not load rrweb-player')));
      document.head.append(tag);
    });
    return playerLoaded;
  }
  let player;
  function play(session) {
    const panel = $('player-panel');
    panel.hidden = false;
    $('player-session').textContent = session;
    $('player-status').textContent = 'loading the recording…';
    $('player').replaceChildren();
    player?.$destroy?.();
    player = undefined;
    Promise.all([
      loadPlayer(),
      fetch(`${base}/api/replay?session=${encodeURIComponent(session)}`).then((r) => r.json()),
    ])
      .then(([Player, replay]) => {
        const events = replay.events || [];
        const problems = (replay.problems || []).join('; ');
        if (events.length < 2 || !events.some((e) => e.type === 2)) {
          $('player-status').textContent =
            `Not enough to play yet (${events.length} rrweb events, no full snapshot). ${problems}`;
          return;
        }
        $('player-status').textContent =
          `${events.length} rrweb events.${problems ? ` ${problems}` : ''}`;
        const PlayerClass = Player.default || Player;
        const width = Math.min(1000, $('player').clientWidth || 800);
        player = new PlayerClass({
          target: $('player'),
          props: {
            events,
            width,
            height: Math.round(width * 0.56),
            autoPlay: true,
            showController: true,
          },
        });
        panel.scrollIntoView({ block: 'nearest' });
      })
      .catch((error) => {
        $('player-status').textContent = String(error.message || error);
      });
  }
  $('player-close').addEventListener('click', () => {
    player?.$destroy?.();
    player = undefined;
    $('player').replaceChildren();
    $('player-panel').hidden = true;
  });

  // The live stream: a reset with everything, then the rows of each batch as it arrives.
  function keepNewest() {
    if (rows.size <= MAX_ROWS) return;
    const sorted = [...rows.values()].sort(
      (a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id - b.id,
    );
    for (const row of sorted.slice(0, rows.size - MAX_ROWS)) rows.delete(row.id);
  }
  const live = $('live');
  const source = new EventSource(`${base}/api/live`);
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  source.addEventListener('reset', (e) => {
    const data = JSON.parse(e.data);
    rows.clear();
    for (const row of data.rows) rows.set(row.id, row);
    replays = data.replays;
    flags = data.flags;
    stats = data.stats;
    render();
    renderFlags();
  });
  source.addEventListener('rows', (e) => {
    const data = JSON.parse(e.data);
    for (const row of data.rows) rows.set(row.id, row);
    for (const [session, count] of Object.entries(data.replays))
      replays[session] = (replays[session] || 0) + count;
    stats = data.stats;
    keepNewest();
    scheduleRender();
  });
  source.addEventListener('flags', (e) => {
    flags = JSON.parse(e.data).flags;
    renderFlags();
  });
  setInterval(() => {
    for (const span of document.querySelectorAll('.ago'))
      span.textContent = ago(Number(span.dataset.at));
  }, 10_000);
})();
