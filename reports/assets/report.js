/* fleetlab report.html client: draws the charts from the embedded, pre-aggregated data.
 * Runs offline (uPlot is inlined before this script). Each chart container gets
 * data-rendered="1" once drawn; <body> gets data-report-ready="1" and data-render-ms at the end,
 * and data-errors with the count of uncaught errors (tests read these).
 * Times in the data are ms since run start; charts show seconds. */
(function () {
  'use strict';
  var t0 = performance.now();
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message || e));
    document.body.setAttribute('data-errors', String(errors.length));
    var box = document.getElementById('errors');
    if (box) {
      box.style.display = 'block';
      box.textContent = 'report script error: ' + errors.join('; ');
    }
  });
  document.body.setAttribute('data-errors', '0');
  var D = JSON.parse(document.getElementById('fleetlab-data').textContent);
  var PHASE_COLORS = {
    'power-on': '#9e9e9e', dhcp: '#42a5f5', tftp: '#1e88e5', 'ipxe-dhcp': '#64b5f6', script: '#26c6da', kernel: '#00897b',
    boot: '#7cb342', agent: '#c0ca33', image: '#fb8c00', callback: '#f4511e', reboot: '#8e24aa', 'disk-boot': '#5e35b1', ready: '#2e7d32',
  };
  var charts = [];
  // One translucent colour per fault kind; windows of a kind are pre-merged (html-data.ts).
  var FAULT_COLORS = ['rgba(229, 57, 53, 0.13)', 'rgba(251, 140, 0, 0.16)', 'rgba(142, 36, 170, 0.12)', 'rgba(0, 137, 123, 0.12)', 'rgba(30, 136, 229, 0.12)', 'rgba(109, 76, 65, 0.14)'];
  function faultColor(k) { return FAULT_COLORS[k % FAULT_COLORS.length]; }

  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '-';
    var a = Math.abs(ms);
    if (a < 1000) return Math.round(ms) + ' ms';
    if (a < 60000) return (ms / 1000).toFixed(a < 10000 ? 2 : 1) + ' s';
    var s = Math.round(ms / 1000);
    return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
  }
  function sec(ms) { return ms / 1000; }
  function el(id) { return document.getElementById(id); }
  function width(node) { return Math.max(320, Math.floor(node.getBoundingClientRect().width) - 4); }

  // Fault windows shaded behind every time-based chart (Jepsen-style).
  function faultPlugin() {
    return {
      hooks: {
        draw: [function (u) {
          // rollout wave decisions: dashed verticals, red for halt/rollback
          if (!D.waves || !D.waves.length) return;
          var ctx = u.ctx;
          ctx.save();
          ctx.setLineDash([4, 4]);
          ctx.font = Math.round(10 * devicePixelRatio) + 'px system-ui, sans-serif';
          D.waves.forEach(function (w) {
            if (w.decision !== 'start' && w.decision !== 'halt' && w.decision !== 'rollback') return;
            var x = u.valToPos(sec(w.t), 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = ctx.fillStyle = w.decision === 'start' ? '#5e35b1' : '#c62828';
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillText(w.wave + (w.decision === 'start' ? '' : ' ' + w.decision), x + 3, u.bbox.top + 12 * devicePixelRatio);
          });
          ctx.restore();
        }],
        drawClear: [function (u) {
          if (!D.faultBands.length) return;
          var ctx = u.ctx;
          ctx.save();
          D.faultBands.forEach(function (b, k) {
            [[b.outer, 0.4], [b.intervals, 1]].forEach(function (layer) {
              ctx.globalAlpha = layer[1];
              ctx.fillStyle = faultColor(k);
              layer[0].forEach(function (iv) {
                var x0 = u.valToPos(sec(iv[0]), 'x', true);
                var x1 = u.valToPos(sec(iv[1]), 'x', true);
                var left = Math.max(u.bbox.left, Math.min(x0, x1));
                var right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1, x0 + 2));
                if (right > left) ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
              });
            });
          });
          ctx.restore();
        }],
      },
    };
  }

  function makeChart(id, opts, data) {
    var node = el(id);
    if (!node) return null;
    node.innerHTML = '';
    opts.width = width(node);
    opts.height = opts.height || 260;
    var u = new uPlot(opts, data, node);
    node.setAttribute('data-rendered', '1');
    charts.push({ u: u, node: node });
    return u;
  }
  function dropChart(u) {
    charts = charts.filter(function (c) { return c.u !== u; });
    u.destroy();
  }
  var secAxis = { label: 'time since run start (s)', values: function (u, vals) { return vals.map(function (v) { return v + 's'; }); } };
  function msAxis(label) { return { label: label, size: 60, values: function (u, vals) { return vals.map(function (v) { return fmtMs(v); }); } }; }

  // ---- time-to-ready CDF (baseline overlaid when comparing) ----
  function ecdfAt(cdf, x) {
    var lo = 0, hi = cdf.x.length - 1, best = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cdf.x[mid] <= x) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best < 0 ? 0 : cdf.y[best];
  }
  function drawCdf() {
    if (!D.cdf.x.length) { el('cdf').textContent = 'no node reached ready'; el('cdf').setAttribute('data-rendered', '1'); return; }
    var xs = D.cdf.x.slice();
    if (D.baselineCdf) xs = xs.concat(D.baselineCdf.x);
    xs = Array.from(new Set(xs)).sort(function (a, b) { return a - b; });
    var data = [xs.map(sec), xs.map(function (x) { return ecdfAt(D.cdf, x); })];
    var series = [{ label: 'time-to-ready (s)' }, { label: 'this run', stroke: '#1e88e5', width: 2, value: function (u, v) { return v == null ? '-' : (v * 100).toFixed(1) + '%'; } }];
    if (D.baselineCdf) {
      data.push(xs.map(function (x) { return ecdfAt(D.baselineCdf, x); }));
      series.push({ label: 'baseline', stroke: '#8e24aa', width: 2, dash: [6, 4], value: function (u, v) { return v == null ? '-' : (v * 100).toFixed(1) + '%'; } });
    }
    makeChart('cdf', {
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: series.map(function (s, i) { if (i) s.points = { show: false }; return s; }),
      axes: [{ label: 'time-to-ready (s)' }, { label: 'fraction of nodes ready', values: function (u, v) { return v.map(function (x) { return Math.round(x * 100) + '%'; }); } }],
    }, data);
  }

  // ---- phase percentiles over time ----
  var overTimeChart = null;
  function drawOverTime() {
    var sel = el('ot-phase');
    var key = sel.value;
    var s = D.overTime.series[key];
    if (overTimeChart) dropChart(overTimeChart);
    if (!s) { el('overtime').textContent = 'no completed ' + key + ' samples'; el('overtime').setAttribute('data-rendered', '1'); overTimeChart = null; return; }
    var xs = D.overTime.t.map(function (t) { return sec(t + D.overTime.bucketMs / 2); });
    overTimeChart = makeChart('overtime', {
      scales: { x: { time: false } },
      plugins: [faultPlugin()],
      series: [{ label: 'bucket (s)' },
        { label: 'p50', stroke: '#1e88e5', width: 2, spanGaps: true, value: function (u, v) { return fmtMs(v); } },
        { label: 'p95', stroke: '#fb8c00', width: 2, spanGaps: true, value: function (u, v) { return fmtMs(v); } },
        { label: 'max', stroke: '#e53935', width: 1, dash: [4, 4], spanGaps: true, value: function (u, v) { return fmtMs(v); } }],
      axes: [secAxis, msAxis(key + ' duration')],
    }, [xs, s.p50, s.p95, s.max]);
  }
  function setupOverTime() {
    var sel = el('ot-phase');
    Object.keys(D.overTime.series).forEach(function (k) {
      var o = document.createElement('option');
      o.value = k;
      o.textContent = k;
      sel.appendChild(o);
    });
    sel.addEventListener('change', drawOverTime);
    drawOverTime();
  }

  // ---- throughput ----
  function drawRates() {
    var xs = D.rates.t.map(function (t) { return sec(t); });
    makeChart('rates-net', {
      scales: { x: { time: false }, dhcp: {}, mb: {} },
      plugins: [faultPlugin()],
      series: [{ label: 't (s)' },
        { label: 'DHCP exchanges/s', stroke: '#1e88e5', width: 2, scale: 'dhcp' },
        { label: 'HTTP MB/s', stroke: '#00897b', width: 2, scale: 'mb' },
        { label: 'image MB/s', stroke: '#fb8c00', width: 2, scale: 'mb' },
        { label: 'TFTP MB/s', stroke: '#8e24aa', width: 1, scale: 'mb' }],
      axes: [secAxis, { scale: 'dhcp', label: 'DHCP/s', size: 55 }, { scale: 'mb', side: 1, label: 'MB/s', size: 55, grid: { show: false } }],
    }, [xs, D.rates.dhcpPerSec, D.rates.httpMBps, D.rates.imageMBps, D.rates.tftpMBps]);
    makeChart('rates-nodes', {
      scales: { x: { time: false }, rate: {}, n: {} },
      plugins: [faultPlugin()],
      series: [{ label: 't (s)' },
        { label: 'nodes ready/min', stroke: '#2e7d32', width: 2, scale: 'rate' },
        { label: 'nodes failed/min', stroke: '#e53935', width: 2, scale: 'rate' },
        { label: 'nodes in flight', stroke: '#5e35b1', width: 1, dash: [4, 3], scale: 'n' }],
      axes: [secAxis, { scale: 'rate', label: 'per min', size: 55 }, { scale: 'n', side: 1, label: 'in flight', size: 55, grid: { show: false } }],
    }, [xs, D.rates.readyPerMin, D.rates.failedPerMin, D.rates.inFlight]);
  }

  // ---- Gantt (canvas) ----
  var N = D.nodes.name.length;
  var tip = document.createElement('div');
  tip.className = 'tip';
  document.body.appendChild(tip);

  // Decode the compact per-node timeline (html-data.ts): absolute ms start/end and per-phase
  // start offsets (ms from node start, -1 = not reached), one Float64Array row per node.
  var P = D.phases.length, U = D.nodes.unit;
  var nodeStart = new Float64Array(N), nodeEnd = new Float64Array(N), offsets = new Float64Array(N * P);
  (function decode() {
    for (var i = 0; i < N; i++) {
      var st = D.nodes.start[i];
      nodeStart[i] = st < 0 ? -1 : st * U;
      nodeEnd[i] = D.nodes.end[i] < 0 ? -1 : D.nodes.end[i] * U;
      var acc = 0;
      for (var k = 0; k < P; k++) {
        var v = D.nodes.d[i * P + k];
        if (v === null || st < 0) { offsets[i * P + k] = -1; continue; }
        acc += v; // deltas chain from the node start, so acc is the offset from it
        offsets[i * P + k] = acc * U;
      }
    }
  })();
  function off(i, k) { return offsets[i * P + k]; }
  /** Segments of one node: [{phase, from, to}] in absolute ms. */
  function nodeSegments(i) {
    var start = nodeStart[i];
    if (start < 0) return [];
    var reached = [];
    for (var k = 0; k < P; k++) if (off(i, k) >= 0 && D.phases[k] !== 'ready') reached.push(k);
    reached.sort(function (a, b) { return off(i, a) - off(i, b); });
    var end = nodeEnd[i] >= 0 ? start + nodeEnd[i] : D.durationMs;
    return reached.map(function (k, j) {
      var next = j + 1 < reached.length ? start + off(i, reached[j + 1]) : end;
      return { phase: D.phases[k], from: start + off(i, k), to: next };
    });
  }
  function median(a) {
    if (!a.length) return -1;
    a.sort(function (x, y) { return x - y; });
    var m = (a.length - 1) / 2;
    return (a[Math.floor(m)] + a[Math.ceil(m)]) / 2;
  }
  /** Rows: {label, segs, failed, nodes:[indices]} */
  function individualRows(idx) {
    return idx.map(function (i) {
      var o = D.nodes.outcome[i];
      return { label: D.nodes.name[i], segs: nodeSegments(i), failed: o === 'f' ? 1 : 0, unfinished: o === 'u', nodes: [i], tip: D.nodes.name[i] + (o === 'f' ? ' (FAILED)' : o === 'u' ? ' (unfinished)' : '') + '\ntime-to-ready ' + fmtMs(D.nodes.ttr[i]) };
    });
  }
  function groupRows(idx, groups) {
    var rows = [];
    var size = Math.ceil(idx.length / groups);
    for (var g = 0; g * size < idx.length; g++) {
      var members = idx.slice(g * size, (g + 1) * size);
      var starts = [], failed = 0, ttrs = [];
      var offs = D.phases.map(function () { return []; });
      var ends = [];
      members.forEach(function (i) {
        if (nodeStart[i] >= 0) starts.push(nodeStart[i]);
        if (D.nodes.outcome[i] === 'f') failed++;
        if (D.nodes.ttr[i] !== null) ttrs.push(D.nodes.ttr[i]);
        for (var k = 0; k < P; k++) if (off(i, k) >= 0) offs[k].push(off(i, k));
        if (nodeEnd[i] >= 0) ends.push(nodeEnd[i]);
      });
      var st = median(starts);
      var medOff = offs.map(function (a) { return a.length * 2 >= members.length ? median(a) : -1; });
      var medEnd = ends.length ? median(ends) : -1;
      var reached = [];
      for (var k = 0; k < D.phases.length; k++) if (medOff[k] >= 0 && D.phases[k] !== 'ready') reached.push(k);
      reached.sort(function (a, b) { return medOff[a] - medOff[b]; });
      var segs = reached.map(function (k, j) {
        var next = j + 1 < reached.length ? st + medOff[reached[j + 1]] : (medEnd >= 0 ? st + medEnd : D.durationMs);
        return { phase: D.phases[k], from: st + medOff[k], to: next };
      });
      var first = g * size + 1, last = g * size + members.length;
      rows.push({ label: '#' + first + '–' + last, segs: segs, failed: failed / members.length, nodes: members,
        tip: 'nodes #' + first + '–#' + last + ' by start (' + members.length + ')\nmedian time-to-ready ' + fmtMs(median(ttrs)) + '\nfailed ' + failed + '\nclick to drill down' });
    }
    return rows;
  }
  function drawGantt(canvasId, rows, opts) {
    var canvas = el(canvasId);
    var wrap = canvas.parentNode;
    var labelW = 170, axisH = 22;
    var rowH = rows.length > 200 ? 4 : rows.length > 80 ? 7 : 12;
    var W = Math.max(400, width(wrap));
    var H = rows.length * rowH + axisH + 4;
    var dpr = window.devicePixelRatio || 1;
    canvas.width = W * dpr;
    canvas.height = H * dpr;
    canvas.style.width = W + 'px';
    canvas.style.height = H + 'px';
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    var plotW = W - labelW - 10;
    var span = Math.max(1, D.durationMs);
    function X(t) { return labelW + (t / span) * plotW; }
    D.faultBands.forEach(function (b, k) {
      ctx.fillStyle = faultColor(k);
      ctx.globalAlpha = 0.4;
      b.outer.forEach(function (iv) { ctx.fillRect(X(iv[0]), 0, Math.max(2, X(iv[1]) - X(iv[0])), rows.length * rowH); });
      ctx.globalAlpha = 1;
      b.intervals.forEach(function (iv) { ctx.fillRect(X(iv[0]), 0, Math.max(2, X(iv[1]) - X(iv[0])), rows.length * rowH); });
    });
    ctx.font = (rowH >= 12 ? 11 : 9) + 'px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    rows.forEach(function (r, y) {
      var top = y * rowH;
      if (rowH >= 7) {
        ctx.fillStyle = r.failed > 0 ? '#c62828' : '#667085';
        ctx.fillText(r.label.length > 26 ? r.label.slice(0, 25) + '…' : r.label, 4, top + rowH / 2);
      }
      r.segs.forEach(function (s) {
        ctx.fillStyle = PHASE_COLORS[s.phase] || '#999';
        ctx.fillRect(X(s.from), top + 1, Math.max(1, X(s.to) - X(s.from)), rowH - 2);
      });
      if (r.failed > 0 && r.segs.length) {
        var endX = X(r.segs[r.segs.length - 1].to);
        ctx.fillStyle = '#c62828';
        ctx.fillRect(endX, top, Math.max(2, 6 * r.failed), rowH);
      }
    });
    // time axis
    ctx.fillStyle = '#667085';
    ctx.strokeStyle = '#e3e6eb';
    var stepS = niceStep(span / 1000 / 10);
    for (var n = 0; n * stepS * 1000 <= span; n++) {
      var s = n * stepS;
      var x = X(s * 1000);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, rows.length * rowH);
      ctx.stroke();
      ctx.fillText((stepS < 1 ? s.toFixed(stepS < 0.1 ? 2 : 1) : String(s)) + 's', x - 6, rows.length * rowH + 12);
    }
    canvas.onmousemove = function (ev) {
      var rect = canvas.getBoundingClientRect();
      var yy = ev.clientY - rect.top, xx = ev.clientX - rect.left;
      var r = rows[Math.floor(yy / rowH)];
      if (!r) { tip.style.display = 'none'; return; }
      var t = ((xx - labelW) / plotW) * span;
      var seg = r.segs.filter(function (s) { return t >= s.from && t <= s.to; })[0];
      tip.textContent = r.tip + (seg ? '\n' + seg.phase + ': ' + fmtMs(seg.to - seg.from) + ' (from ' + fmtMs(seg.from) + ')' : '');
      tip.style.left = ev.clientX + 12 + 'px';
      tip.style.top = ev.clientY + 12 + 'px';
      tip.style.display = 'block';
    };
    canvas.onmouseleave = function () { tip.style.display = 'none'; };
    canvas.onclick = opts && opts.onRow ? function (ev) {
      var r = rows[Math.floor((ev.clientY - canvas.getBoundingClientRect().top) / rowH)];
      if (r) opts.onRow(r);
    } : null;
    canvas.setAttribute('data-rendered', '1');
    canvas.setAttribute('data-rows', String(rows.length));
  }
  function niceStep(x) {
    var steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    for (var i = 0; i < steps.length; i++) if (steps[i] >= x) return steps[i];
    return Math.ceil(x / 3600) * 3600;
  }
  var DETAIL_MAX = 300;
  var byStart = [];
  for (var i = 0; i < N; i++) byStart.push(i);
  byStart.sort(function (a, b) { return (nodeStart[a] < 0 ? Infinity : nodeStart[a]) - (nodeStart[b] < 0 ? Infinity : nodeStart[b]) || a - b; });
  var overviewRows = N <= 150 ? individualRows(byStart) : groupRows(byStart, 100);
  var detailIdx = null;
  function showDetail(idx, title) {
    detailIdx = idx.slice(0, DETAIL_MAX);
    el('gantt-detail-title').textContent = title + (idx.length > DETAIL_MAX ? ' (first ' + DETAIL_MAX + ' of ' + idx.length + ')' : ' (' + idx.length + ')');
    el('gantt-detail-wrap').style.display = idx.length ? 'block' : 'none';
    if (idx.length) drawGantt('gantt-detail', individualRows(detailIdx));
  }
  function drawGantts() {
    drawGantt('gantt', overviewRows, { onRow: function (r) { if (r.nodes.length > 1) showDetail(r.nodes, 'nodes ' + r.label); } });
    if (detailIdx && detailIdx.length) drawGantt('gantt-detail', individualRows(detailIdx));
  }
  function setupGantt() {
    el('gantt-mode').textContent = N <= 150 ? 'one row per node, ordered by start' : '100 groups of ~' + Math.ceil(N / 100) + ' nodes ordered by start; each bar is the group median per phase (red tick: failed share). Click a group or filter to drill down.';
    var legend = el('gantt-legend');
    D.phases.forEach(function (p) {
      if (p === 'ready') return;
      var s = document.createElement('span');
      s.innerHTML = '<i style="background:' + PHASE_COLORS[p] + '"></i>' + p;
      legend.appendChild(s);
    });
    var f = el('gantt-filter');
    f.addEventListener('input', function () {
      var q = f.value.trim().toLowerCase();
      if (!q) { showDetail([], ''); return; }
      var idx = byStart.filter(function (i) {
        var site = D.nodes.site[i] >= 0 ? D.sites[D.nodes.site[i]].name : '';
        return D.nodes.name[i].toLowerCase().indexOf(q) >= 0 || site.toLowerCase() === q || (q === 'failed' && D.nodes.outcome[i] === 'f');
      });
      showDetail(idx, 'nodes matching "' + q + '"');
    });
    drawGantts();
  }

  // ---- per-site heatmap ----
  function drawHeat() {
    var box = el('heatmap');
    var stat = el('heat-stat').value;
    box.innerHTML = '';
    var vals = D.sites.map(function (s) { return stat === 'failed' ? s.failed / Math.max(1, s.nodes) : s[stat]; });
    var finite = vals.filter(function (v) { return v !== null && isFinite(v); });
    var lo = finite.length ? Math.min.apply(null, finite) : 0;
    var hi = finite.length ? Math.max.apply(null, finite) : 1;
    var cols = D.sites.length > 400 ? 50 : D.sites.length > 100 ? 25 : Math.min(10, Math.max(1, D.sites.length));
    box.style.gridTemplateColumns = 'repeat(' + cols + ', minmax(14px, 1fr))';
    var frag = document.createDocumentFragment();
    D.sites.forEach(function (s, i) {
      var v = vals[i];
      var d = document.createElement('div');
      var f = v === null || !isFinite(v) ? null : hi > lo ? (v - lo) / (hi - lo) : 0;
      d.style.background = f === null ? '#d0d4da' : 'hsl(' + Math.round(120 - 120 * f) + ', 70%, ' + Math.round(52 - 8 * f) + '%)';
      var faults = D.siteFaults[i];
      d.className = (s.failed ? 'failed' : '') + (faults ? ' faulted' : '');
      d.title = s.name + ': ' + s.ready + '/' + s.nodes + ' ready, ' + s.failed + ' failed\np50 ' + fmtMs(s.p50) + ', p95 ' + fmtMs(s.p95) + ', max ' + fmtMs(s.max) + (faults ? '\nfaults: ' + faults.join(', ') : '');
      d.onclick = function () { el('gantt-filter').value = s.name; el('gantt-filter').dispatchEvent(new Event('input')); el('gantt-detail-wrap').scrollIntoView(); };
      frag.appendChild(d);
    });
    box.appendChild(frag);
    el('heat-scale').textContent = !finite.length ? 'no site has a ready node' : stat === 'failed' ? 'green ' + (lo * 100).toFixed(0) + '% → red ' + (hi * 100).toFixed(0) + '% failed' : 'green ' + fmtMs(lo) + ' → red ' + fmtMs(hi) + ' (' + stat + ' time-to-ready); grey: no node ready; red outline: failures; dot: site hit by a fault';
    box.setAttribute('data-rendered', '1');
    box.setAttribute('data-cells', String(D.sites.length));
  }

  function faultLegend() {
    var box = el('fault-legend');
    if (!box || !D.faultBands.length) return;
    box.innerHTML = 'fault windows: ' + D.faultBands.map(function (b, k) {
      return '<span><i style="background:' + faultColor(k).replace(/[\d.]+\)$/, '0.5)') + '"></i>' + b.fault.replace(/[<>&"]/g, '') + ' (' + b.intervals.length + ')</span>';
    }).join(' ');
  }
  function all() {
    faultLegend();
    drawCdf();
    setupOverTime();
    drawRates();
    setupGantt();
    el('heat-stat').addEventListener('change', drawHeat);
    drawHeat();
  }
  all();
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: width(c.node), height: c.u.height }); });
      drawGantts();
    }, 150);
  });
  document.body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
  // ms since navigation start: parse + inline scripts + data + charts (what a viewer waits for)
  document.body.setAttribute('data-ready-at-ms', String(Math.round(performance.now())));
  document.body.setAttribute('data-report-ready', '1');
})();
