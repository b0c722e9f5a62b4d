/*
 * The report page's script (inlined by src/render/html.ts; runs in the browser, no network).
 * Everything from the logs is data: it reaches the page only through textContent and attributes,
 * never as markup. vis-timeline draws the time axis; its items carry no log text.
 */
(function () {
  'use strict';
  var records = JSON.parse(document.getElementById('trace-data').textContent);
  var summary = JSON.parse(document.getElementById('summary-data').textContent);
  var WHY = { tagged: 'T', mentioned: 'M', request: 'R', cache: 'C', global: 'G' };
  var UNKNOWN_HOST = '(unknown host)';

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function timeOf(iso) { return iso === null || iso === undefined ? null : Date.parse(iso); }
  function shown(iso) { return iso === null || iso === undefined ? '??:??:??.???' : iso.replace('T', ' ').replace('Z', ''); }
  function levelOf(r) { return r.level === null ? 'none' : r.level; }
  function hostOf(r) { return r.host === null ? UNKNOWN_HOST : r.host; }
  function laneOf(r) { return hostOf(r) + '\u0000' + (r.cache ? 'image cache' : (r.service === null ? '?' : r.service)); }

  /* ---------- the record list ---------- */
  var list = document.getElementById('records');
  // Rows are built off the document and put in after the axis is drawn: the axis measures its
  // items, and each measure would otherwise lay out thousands of rows. The first rows go in at
  // once, the rest a chunk per task (laying out 10,000 rows would hold the first paint ~1.5 s).
  var rows = [];
  var times = [];
  records.forEach(function (r, i) {
    var li = el('li', 'lvl-' + levelOf(r));
    li.setAttribute('data-index', String(i));
    li.setAttribute('data-source', r.source.file + ':' + r.source.line);
    li.appendChild(el('span', 'src', r.source.file + ':' + r.source.line));
    li.appendChild(el('span', 'when', shown(r.time) + ' '));
    li.appendChild(el('span', 'where', hostOf(r) + ' ' + (r.service === null ? '?' : r.service) + ' '));
    li.appendChild(el('span', 'lvl', (r.level === null ? (r.level_text || '-') : r.level.toUpperCase()) + ' '));
    li.appendChild(el('span', 'why', (WHY[r.why] || '?') + (r.unattributed ? '?' : '')));
    var lines = String(r.message).split('\n');
    li.appendChild(el('span', 'msg', lines[0]));
    var more = lines.slice(1).concat(r.traceback || []);
    if (more.length > 0) {
      var details = el('details');
      details.appendChild(el('summary', null, more.length + (r.traceback && r.traceback.length ? ' lines of traceback and message' : ' more lines')));
      details.appendChild(el('div', 'more', more.join('\n')));
      li.appendChild(details);
    }
    li.addEventListener('click', function (event) {
      if (event.target && event.target.tagName === 'SUMMARY') return;
      select(i, { axis: true, scroll: false });
    });
    rows.push(li);
    times.push(timeOf(r.time));
  });

  /* ---------- the time axis ---------- */
  var groups = new vis.DataSet();
  var items = new vis.DataSet();
  var laneIds = {};
  var laneOrder = 0;
  function lane(key) {
    if (laneIds[key] !== undefined) return laneIds[key];
    var id = 'g' + laneOrder;
    var parts = key.split('\u0000');
    var label = el('div', 'lane');
    label.appendChild(el('strong', null, parts[0]));
    label.appendChild(el('span', null, ' ' + parts[1]));
    groups.add({ id: id, content: label, order: laneOrder++ });
    laneIds[key] = id;
    return id;
  }
  // Lanes in a stable order: API and control hosts as they come, compute hosts in their stays' order.
  records.forEach(function (r) { lane(laneOf(r)); });
  /*
   * Marks: one per record when the window holds few, else one per lane and slice of the window
   * (coloured by the slice's worst level, sized by its count), redrawn as the axis zooms. The
   * axis stays quick with tens of thousands of records, and a click still finds its record.
   * vis-timeline measures each mark it adds to a drawn axis (its first fit redraws them all), so
   * 120 slices (a dot's width on a 1,400 px axis): 300 took 2.5 times as long to open 10,000 records.
   */
  var SLICES = 120;
  var RANK = { critical: 6, fatal: 6, error: 5, warning: 4, info: 3, none: 2, debug: 1, trace: 0 };
  var markIds = [];
  function drawMarks(start, end) {
    var slice = Math.max(1, (end - start) / SLICES);
    var pad = (end - start) * 0.5;
    var byKey = {};
    var out = [];
    for (var i = 0; i < records.length; i++) {
      var t = times[i];
      if (t === null || isNaN(t) || t < start - pad || t > end + pad) continue;
      var key = laneKeys[i] + '\u0001' + Math.floor(t / slice);
      var m = byKey[key];
      if (m === undefined) {
        m = byKey[key] = { id: 'r' + i, group: lane(laneKeys[i]), start: t, type: 'point', content: '', level: levelOf(records[i]), count: 0 };
        out.push(m);
      } else if (RANK[levelOf(records[i])] > RANK[m.level]) m.level = levelOf(records[i]);
      m.count++;
    }
    out.forEach(function (m) { m.className = 'mark lvl-' + m.level + (m.count > 1 ? ' many' : ''); delete m.level; delete m.count; });
    // Only what changed: a mark that stays keeps its element (and a click in flight its target).
    var next = {};
    out.forEach(function (m) { next[m.id] = m; });
    var gone = markIds.filter(function (id) { return next[id] === undefined; });
    var shown = {};
    markIds.forEach(function (id) { shown[id] = true; });
    var added = out.filter(function (m) { return !shown[m.id]; });
    var changed = out.filter(function (m) { return shown[m.id] && items.get(m.id).className !== m.className; });
    if (gone.length) items.remove(gone);
    if (added.length) items.add(added);
    if (changed.length) items.update(changed);
    markIds = out.map(function (m) { return m.id; });
  }
  var laneKeys = records.map(laneOf);

  var timed = times.filter(function (t) { return t !== null && !isNaN(t); }).sort(function (a, b) { return a - b; });
  var first = timed.length ? timed[0] : Date.now();
  var last = timed.length ? timed[timed.length - 1] : first + 1000;
  var span = Math.max(1000, last - first);
  var extra = [];
  var n = 0;
  // Stays as bands on every lane of their host.
  (summary.hosts || []).forEach(function (stay) {
    Object.keys(laneIds).forEach(function (key) {
      if (key.split('\u0000')[0] !== stay.host) return;
      var a = timeOf(stay.first), b = timeOf(stay.last);
      if (a === null || b === null) return;
      extra.push({ id: 'b' + (n++), group: laneIds[key], start: a, end: Math.max(b, a + 1), type: 'background', className: 'stay' });
    });
  });
  // Each of the instance's own requests as a span on each lane it touched.
  var own = {};
  (summary.requests || []).forEach(function (q) { own[q.request_id] = true; });
  var spans = {};
  records.forEach(function (r, i) {
    if (r.request_id === null || !own[r.request_id] || times[i] === null) return;
    var key = r.request_id + '\u0001' + laneOf(r);
    var s = spans[key] || (spans[key] = { group: lane(laneOf(r)), start: times[i], end: times[i] });
    s.start = Math.min(s.start, times[i]);
    s.end = Math.max(s.end, times[i]);
  });
  Object.keys(spans).forEach(function (key) {
    var s = spans[key];
    if (s.end > s.start) extra.push({ id: 'b' + (n++), group: s.group, start: s.start, end: s.end, type: 'range', content: '', className: 'request', selectable: false });
  });
  // Quiet stretches longer than a tenth of the whole (and a minute): marked, so a zoomed-out axis does not hide them.
  var gapAt = Math.max(60000, span / 10);
  for (var g = 1; g < timed.length; g++) {
    if (timed[g] - timed[g - 1] > gapAt) extra.push({ id: 'b' + (n++), start: timed[g - 1], end: timed[g], type: 'background', className: 'gap' });
  }
  items.add(extra);
  drawMarks(first - span * 0.02, last + span * 0.02);

  // No start/end options: vis-timeline fits the items itself (given both, it measures each item as
  // it is drawn: seconds with 1,500 marks, minutes with 10,000).
  var timeline = new vis.Timeline(document.getElementById('timeline'), items, groups, {
    stack: false,
    selectable: true,
    multiselect: false,
    showCurrentTime: false,
    orientation: 'top',
    zoomMin: 10,
    maxHeight: Math.round(window.innerHeight * 0.45),
    groupOrder: 'order',
    tooltip: { followMouse: false },
  });

  var FIRST_ROWS = 300;
  var CHUNK = 1500;
  function appendRows(from, to) {
    var part = document.createDocumentFragment();
    for (var i = from; i < to; i++) part.appendChild(rows[i]);
    list.appendChild(part);
  }
  appendRows(0, Math.min(FIRST_ROWS, rows.length));

  /* ---------- selection, filters, keyboard ---------- */
  var selected = -1;
  function select(i, how) {
    if (i < 0 || i >= rows.length) return;
    if (selected >= 0) rows[selected].classList.remove('selected');
    selected = i;
    rows[i].classList.add('selected');
    rows[i].classList.remove('hidden');
    timeline.setSelection(times[i] === null || items.get('r' + i) === null ? [] : ['r' + i]);
    if (how.axis && times[i] !== null) timeline.moveTo(times[i], { animation: false });
    if (how.scroll) rows[i].scrollIntoView({ block: 'center' });
    document.body.setAttribute('data-selected', String(i));
  }
  timeline.on('select', function (props) {
    var id = props.items && props.items[0];
    if (typeof id === 'string' && id.charAt(0) === 'r') select(Number(id.slice(1)), { axis: false, scroll: true });
  });

  var search = document.getElementById('search');
  var follow = document.getElementById('follow');
  var count = document.getElementById('shown');
  var filters = document.getElementById('filters');
  var levelBoxes = {};
  var whyBoxes = {};
  function box(container, label, store, key) {
    var wrap = el('label');
    var input = el('input');
    input.type = 'checkbox';
    input.checked = true;
    input.addEventListener('change', apply);
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(' ' + label));
    container.appendChild(wrap);
    store[key] = input;
  }
  var levelsSeen = {};
  var whysSeen = {};
  records.forEach(function (r) { levelsSeen[levelOf(r)] = true; whysSeen[r.why] = true; });
  Object.keys(levelsSeen).forEach(function (l) { box(filters, l, levelBoxes, l); });
  Object.keys(whysSeen).forEach(function (w) { box(filters, (WHY[w] || '?') + ' ' + w, whyBoxes, w); });
  var windowNow = { start: first - span, end: last + span };
  function apply() {
    var needle = search.value.toLowerCase();
    var visible = 0;
    records.forEach(function (r, i) {
      var ok = levelBoxes[levelOf(r)].checked && whyBoxes[r.why].checked;
      if (ok && needle !== '') {
        var hay = (r.message + '\n' + (r.traceback || []).join('\n') + '\n' + hostOf(r) + ' ' + (r.service || '') + ' ' + (r.request_id || '')).toLowerCase();
        ok = hay.indexOf(needle) >= 0;
      }
      if (ok && follow.checked && times[i] !== null) ok = times[i] >= windowNow.start && times[i] <= windowNow.end;
      rows[i].classList.toggle('hidden', !ok);
      if (ok) visible++;
    });
    count.textContent = visible + ' of ' + records.length + ' records shown';
  }
  search.addEventListener('input', apply);
  follow.addEventListener('change', apply);
  timeline.on('rangechanged', function (props) {
    windowNow = { start: props.start.valueOf(), end: props.end.valueOf() };
    drawMarks(windowNow.start, windowNow.end);
    if (selected >= 0 && items.get('r' + selected) !== null) timeline.setSelection(['r' + selected]);
    if (follow.checked) apply();
  });

  function step(direction) {
    for (var i = selected + direction; i >= 0 && i < rows.length; i += direction) {
      if (!rows[i].classList.contains('hidden')) { select(i, { axis: true, scroll: true }); return; }
    }
  }
  document.addEventListener('keydown', function (event) {
    var target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    if (event.key === 'j') step(1);
    else if (event.key === 'k') step(-1);
    else if (event.key === 'Enter' && selected >= 0) {
      var d = rows[selected].querySelector('details');
      if (d) d.open = !d.open;
    } else if (event.key === '/') { event.preventDefault(); search.focus(); }
    else return;
    event.preventDefault();
  });

  /* ---------- the summary, each fact a way into the timeline ---------- */
  function focusRange(a, b) {
    if (a === null || b === null) return;
    var pad = Math.max(1000, (b - a) * 0.05);
    timeline.setWindow(a - pad, b + pad, { animation: false });
  }
  function firstIndex(test) {
    for (var i = 0; i < records.length; i++) if (test(records[i])) return i;
    return -1;
  }
  function link(text, onClick) {
    var b = el('button', 'link', text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  // A section shows its first FOLD facts; the rest fold under "N more" so a long trace's summary
  // (a thousand errors) does not push the axis a page down.
  var FOLD = 8;
  function section(title) {
    var s = el('section');
    s.appendChild(el('h2', null, title));
    var ul = el('ul');
    s.appendChild(ul);
    document.getElementById('facts').appendChild(s);
    var added = 0;
    var rest = null;
    return {
      appendChild: function (li) {
        if (added++ < FOLD) { ul.appendChild(li); return; }
        if (rest === null) {
          var more = el('details', 'more-facts');
          more.appendChild(el('summary'));
          rest = el('ul');
          more.appendChild(rest);
          s.appendChild(more);
        }
        rest.appendChild(li);
        rest.previousSibling.textContent = (added - FOLD) + ' more';
      },
    };
  }
  var head = document.getElementById('headline');
  head.appendChild(el('span', null, 'instance '));
  head.appendChild(el('span', 'id', summary.instance_uuid));
  var why = summary.why || {};
  document.getElementById('counts').textContent = summary.records + ' records (' + (why.tagged || 0) + ' tagged, ' + (why.mentioned || 0) + ' mentioned, ' + (why.request || 0) + ' request, ' + (why.cache || 0) + ' cache' + (why.global ? ', ' + why.global + ' global' : '') + '); times UTC';

  var stays = section('lived on');
  (summary.hosts || []).forEach(function (s) {
    var li = el('li');
    li.appendChild(link(s.host + '  ' + shown(s.first) + ' → ' + shown(s.last), function () {
      focusRange(timeOf(s.first), timeOf(s.last));
      var i = firstIndex(function (r) { return hostOf(r) === s.host; });
      if (i >= 0) select(i, { axis: false, scroll: true });
    }));
    stays.appendChild(li);
  });
  if ((summary.phases || []).length > 0) {
    var phases = section('phases');
    summary.phases.forEach(function (p) {
      var li = el('li');
      var took = p.duration_ms === null ? '?' : (p.duration_ms / 1000).toFixed(p.duration_ms < 10000 ? 2 : 0) + ' s';
      li.appendChild(link(p.operation + ' ' + p.name + (p.host ? ' on ' + p.host : '') + ': ' + took, function () { focusRange(timeOf(p.start), timeOf(p.end)); }));
      if (p.flag) li.appendChild(el('span', 'lvl-warning', '  ' + p.flag));
      phases.appendChild(li);
    });
  }
  if (summary.clock && (summary.clock.hosts || []).length > 0) {
    var clock = section('clock offsets (against ' + summary.clock.reference + ')');
    summary.clock.hosts.forEach(function (h) {
      var secs = function (x) { return x === null || x === undefined ? '?' : (x / 1000).toFixed(3); };
      clock.appendChild(el('li', h.contradiction ? 'lvl-warning' : null, h.host + ': ' + secs(h.offset_ms) + ' s [' + secs(h.low_ms) + ', ' + secs(h.high_ms) + '] from ' + h.pairs + ' pairs' + (h.applied ? ', applied' : '') + (h.contradiction ? ', pairs contradict' : '')));
    });
  }
  var images = section('image and base file per host');
  (summary.images || []).forEach(function (img) {
    var li = el('li');
    var text = img.host + ': ' + (img.image_ids.length ? 'image ' + img.image_ids.join(', ') : 'image not known') + (img.base_files.length ? ', base ' + img.base_files.join(', ') : '');
    if (img.last_action) text += '; cache manager last: ' + img.last_action.action + ' at ' + shown(img.last_action.time);
    li.appendChild(link(text, function () {
      var i = firstIndex(function (r) { return r.why === 'cache' && hostOf(r) === img.host; });
      if (i >= 0) select(i, { axis: true, scroll: true });
    }));
    images.appendChild(li);
  });
  var requests = section('requests (' + (summary.requests || []).length + ')');
  (summary.requests || []).forEach(function (q) {
    var li = el('li');
    li.appendChild(link(q.request_id, function () {
      var idx = [];
      records.forEach(function (r, i) { if (r.request_id === q.request_id && times[i] !== null) idx.push(i); });
      if (idx.length) { focusRange(times[idx[0]], times[idx[idx.length - 1]]); select(idx[0], { axis: false, scroll: true }); }
    }));
    li.appendChild(el('span', 'mono', '  ' + q.first_message + '  (' + q.records + ')'));
    requests.appendChild(li);
  });
  var levels = section('levels');
  Object.keys(summary.levels || {}).forEach(function (l) {
    var li = el('li');
    li.appendChild(link(l + ' ' + summary.levels[l], function () {
      Object.keys(levelBoxes).forEach(function (k) { levelBoxes[k].checked = k === l; });
      apply();
    }));
    levels.appendChild(li);
  });
  var errors = section('errors (' + (summary.errors || []).length + ')');
  (summary.errors || []).forEach(function (e) {
    var li = el('li');
    li.appendChild(link(shown(e.time) + ' ' + (e.host || UNKNOWN_HOST) + ' ' + e.line, function () {
      var i = firstIndex(function (r) { return r.time === e.time && (r.host || null) === (e.host || null) && r.level === e.level; });
      if (i >= 0) select(i, { axis: true, scroll: true });
    }));
    errors.appendChild(li);
  });

  apply();
  // Interactive now; ready (every record listed) once the remaining chunks are in.
  document.body.setAttribute('data-interactive', 'true');
  (function more(from) {
    if (from >= rows.length) { document.body.setAttribute('data-ready', 'true'); return; }
    // After the next frame: the page paints and answers between chunks.
    requestAnimationFrame(function () {
      setTimeout(function () { appendRows(from, Math.min(from + CHUNK, rows.length)); more(from + CHUNK); }, 0);
    });
  })(Math.min(FIRST_ROWS, rows.length));
})();
