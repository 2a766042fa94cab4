// Experiment 3: cgroups under pressure (exp-cgroups.c).  A load in a real
// container, its cgroup's files graphed as the worker reads them (5 per
// second), what happened at each ceiling, limits changed while it runs,
// and this host's hierarchies with the v1-vs-v2 table checked here.
'use strict';
{
  const KEEP = 150; // samples on a graph: 30 s
  let cg = null; // the running experiment

  const val = (x) => (x === 'max' ? Infinity : Number(x));
  const limitsForm = () => ({
    memory_max_mb: Number($('#cg-mem-max').value), memory_high_mb: Number($('#cg-mem-high').value),
    cpu_pct: Number($('#cg-cpu').value), pids_max: Number($('#cg-pids').value), io_wbps_mb: Number($('#cg-io').value),
  });
  function status(s, err) { $('#cg-status').textContent = s; $('#cg-status').classList.toggle('err', !!err); }
  function buttons(running) {
    $('#cg-start').disabled = running;
    $('#cg-apply').disabled = !running;
    $('#cg-stop').disabled = !running;
  }

  async function start() {
    if (cg && cg.id && live.has(cg.id)) await stopExperiment(cg.id);
    cg = { samples: [], events: 0, oom: 0, forkRefused: null, id: null };
    $('#cg-events').innerHTML = ''; $('#cg-updates').innerHTML = '';
    $('#cg-unavail').classList.add('hidden');
    $('#cg-graphs').removeAttribute('data-oom');
    const load = $('#cg-load').value;
    const body = { kind: 'cgroups', load, ...limitsForm(), rate_mb_s: Number($('#cg-rate').value), threads: Number($('#cg-threads').value) };
    status('starting a container…');
    buttons(true);
    try {
      const r = await api('POST', '/api/experiments', body);
      cg.id = r.id;
      const me = cg;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); buttons(false); }
  }

  async function apply() {
    if (!cg || !cg.id) return;
    const r = await action(cg.id, { op: 'update', ...limitsForm() }, $('#cg-status'));
    if (r) status('new limits sent to the running container…');
  }
  async function stop() { if (cg && cg.id) await action(cg.id, { op: 'stop' }, $('#cg-status')); }

  function logEvent(html, cls, data) {
    const li = document.createElement('li');
    li.innerHTML = html;
    if (cls) li.className = cls;
    for (const [k, v] of Object.entries(data || {})) li.dataset[k] = v;
    $('#cg-events').appendChild(li);
  }

  function onEvent(st, ev) {
    if (st !== cg) return;
    switch (ev.type) {
      case 'unavailable':
        if (ev.items.length) { $('#cg-unavail').innerHTML = ev.items.map((x) => `<div>unavailable here: ${esc(x)}</div>`).join(''); $('#cg-unavail').classList.remove('hidden'); }
        break;
      case 'running': status(`running: the container's init is host pid ${ev.init_pid}, its cgroup ${ev.cgroup}`); break;
      case 'host': hostTable(ev); break;
      case 'sample': st.samples.push(ev); if (st.samples.length > KEEP) st.samples.shift(); draw(st); $('#cg-graphs').dataset.samples = st.samples.length; break;
      case 'load': loadReport(st, ev); break;
      case 'kmsg': kmsg(st, ev); break;
      case 'update': $('#cg-updates').insertAdjacentHTML('beforeend', `<li class="note">update: ${esc(JSON.stringify(ev.resources))}</li>`); break;
      case 'end': traceLine($('#cg-updates'), ev); break;
      case 'updated': $('#cg-updates').insertAdjacentHTML('beforeend', `<li data-testid="cg-updated" data-ok="${ev.ok ? 1 : 0}">${ev.ok ? 'applied' : 'refused'}: memory ${ev.memory_max_mb} MiB, CPU ${ev.cpu_pct || 'no'} %, pids ${ev.pids_max || 'no'} limit</li>`); status(ev.ok ? 'the new limits are in the cgroup files' : 'the kernel refused a new limit (see below)', !ev.ok); break;
      case 'error': logEvent(`<b>${esc(ev.where)}:</b> ${esc(ev.message)}${ev.error && ev.error.hint ? `<br><span class="hint">hint: ${esc(ev.error.hint)}</span>` : ''}`, 'bad'); if (ev.where !== 'update') status(ev.message, true); break;
      case 'summary': break;
      case 'stopped': status('stopped: ' + ev.reason); break;
      case 'exp_end': buttons(false); if (ev.status !== 'stopped') status(`ended (${ev.status}); the container and its cgroup are gone`, ev.status === 'failed'); break;
      default: break;
    }
  }

  function loadReport(st, ev) {
    const r = ev.report || {};
    if (r.event === 'exit' && r.signal) {
      logEvent(`the load's process ${esc(r.pid)} (pid inside) was killed by SIG${esc(r.name)} after allocating ${fmtBytes(r.allocated)} — the probe starts another in 2 s`, 'oom', { testid: 'cg-exit', signal: r.name, pid: r.pid });
    } else if (r.event === 'fork-refused') {
      st.forkRefused = r;
      const li = $$('#cg-events [data-testid=cg-fork]').pop();
      const html = `<code>fork()</code> = -1 <b>${esc(r.errname)}</b> (${esc(r.error)}) after ${esc(r.forked)} children, round ${esc(r.round)}: the group reached <code>pids.max</code>`;
      if (li && li.dataset.errname === r.errname && li.dataset.forked === String(r.forked)) li.dataset.rounds = Number(li.dataset.rounds) + 1;
      else logEvent(html, '', { testid: 'cg-fork', errname: r.errname, forked: r.forked, rounds: 1 });
    } else if (r.event === 'open-failed' || r.event === 'write-failed' || r.event === 'malloc-failed') {
      logEvent(`the load: ${esc(r.event)} ${esc(r.errname || '')}`, 'bad');
    } else if (r.event === 'start' && r.direct === false) {
      logEvent('the scratch filesystem refused O_DIRECT: the load writes with O_DSYNC instead', '');
    }
    if (r.event === 'cpu') $('#cg-cpu-legend').dataset.loops = r.loops_per_sec;
    if (r.event === 'io') Object.assign($('#cg-io-legend').dataset, { rate: r.bytes_per_sec, written: r.written, direct: r.direct ? 1 : 0 });
  }

  function kmsg(st, ev) {
    const killed = /Killed process/.test(ev.message);
    if (killed) st.oom++;
    logEvent(`${killed ? `<span class="oom">the OOM killer killed host pid ${esc(ev.host_pid)}${ev.ns_pid ? ` (pid ${esc(ev.ns_pid)} inside)` : ''}</span> — the kernel's log:` : 'the kernel chose a victim in this cgroup:'}<span class="kmsg">${esc(ev.message)}</span>`,
      '', killed ? { testid: 'cg-oom', hostPid: ev.host_pid, nsPid: ev.ns_pid } : { testid: 'cg-oomline' });
    if (killed) $('#cg-graphs').dataset.oom = st.oom;
  }

  // ---- graphs: SVG polylines over the last KEEP samples
  function line(vals, max, cls) {
    const n = vals.length;
    if (!n || !(max > 0)) return '';
    // The graph fills from the left until KEEP samples, then scrolls.
    const span = Math.max(Math.min(KEEP, Math.max(n, 50)) - 1, 1);
    const pts = vals.map((v, i) => (v === null || Number.isNaN(v) ? null : `${(i * 600 / span).toFixed(1)},${(118 - Math.min(v / max, 1) * 112).toFixed(1)}`)).filter(Boolean);
    return pts.length ? `<polyline class="${cls}" points="${pts.join(' ')}"/>` : '';
  }
  function rate(st, get) {
    const s = st.samples;
    return s.map((x, i) => {
      if (!i) return null;
      const a = get(s[i - 1]), b = get(x), dt = x.t_ms - s[i - 1].t_ms;
      return a === null || b === null || a === undefined || b === undefined || dt <= 0 ? null : (b - a) / dt;
    });
  }
  function draw(st) {
    const s = st.samples, last = s[s.length - 1].cg;
    // memory
    const m = last.memory;
    if (m) {
      const use = s.map((x) => x.cg.memory && x.cg.memory.usage);
      const lim = s.map((x) => x.cg.memory && val(x.cg.memory.limit));
      const high = s.map((x) => x.cg.memory && x.cg.memory.high !== null && x.cg.memory.high !== undefined ? val(x.cg.memory.high) : null);
      const fin = [...use, ...lim.filter(Number.isFinite), ...high.filter(Number.isFinite)].filter((v) => v !== null && v !== undefined);
      const max = Math.max(...fin, 1) * 1.08;
      $('#cg-g-mem').innerHTML = line(lim.map((v) => (Number.isFinite(v) ? v : null)), max, 'lim') + line(high.map((v) => (Number.isFinite(v) ? v : null)), max, 'high') + line(use, max, 'use');
      const f = m.version === 'v2' ? ['memory.current', 'memory.max', 'memory.events'] : ['memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.oom_control'];
      $('#cg-mem-src').textContent = `${f[0]} / ${f[1]} (${m.version})`;
      $('#cg-mem-legend').innerHTML = `<span class="k-use">usage ${fmtBytes(m.usage)}</span> · <span class="k-lim">limit ${fmtBytes(val(m.limit))}</span>${m.high !== null && m.high !== undefined ? ` · <span class="k-high">high ${fmtBytes(val(m.high))}</span>` : ''} · ${esc(f[2])} oom_kill <b data-testid="cg-oom-count">${esc(m.oom_kill)}</b>${m.under_oom !== null && m.under_oom !== undefined ? ` under_oom ${esc(m.under_oom)}` : ''}${m.high_events !== null && m.high_events !== undefined ? ` · high events ${esc(m.high_events)}` : ''}`;
      $('#cg-mem-legend').dataset.oomKill = m.oom_kill;
    }
    // cpu: % of one CPU used, and of the time throttled
    const c = last.cpu;
    if (c) {
      const use = rate(st, (x) => x.cg.cpu && x.cg.cpu.usage_ns).map((v) => (v === null ? null : v / 1e4));
      const thr = rate(st, (x) => x.cg.cpu && x.cg.cpu.throttled_ns).map((v) => (v === null ? null : v / 1e4));
      const max = Math.max(100, ...use.filter((v) => v !== null), ...thr.filter((v) => v !== null)) * 1.08;
      $('#cg-g-cpu').innerHTML = line(thr, max, 'thr') + line(use, max, 'use');
      const u = use[use.length - 1], t = thr[thr.length - 1];
      $('#cg-cpu-src').textContent = c.version === 'v2' ? 'cpu.stat (v2)' : 'cpuacct.usage, cpu.stat (v1)';
      $('#cg-cpu-legend').innerHTML = `<span class="k-use">using ${u === null || u === undefined ? '?' : u.toFixed(0)} % of a CPU</span> · <span class="k-thr">throttled ${t === null || t === undefined ? '?' : t.toFixed(0)} %</span> · nr_throttled <b>${esc(c.nr_throttled)}</b> of ${esc(c.nr_periods)} periods`;
      $('#cg-cpu-legend').dataset.nrThrottled = c.nr_throttled;
      $('#cg-cpu-legend').dataset.nrPeriods = c.nr_periods;
    }
    const p = last.pids;
    if (p) {
      const cur = s.map((x) => x.cg.pids && x.cg.pids.current), mx = s.map((x) => x.cg.pids && val(x.cg.pids.max));
      const max = Math.max(...cur.filter((v) => v !== null && v !== undefined), ...mx.filter(Number.isFinite), 4) * 1.08;
      $('#cg-g-pids').innerHTML = line(mx.map((v) => (Number.isFinite(v) ? v : null)), max, 'lim') + line(cur, max, 'use');
      $('#cg-pids-legend').innerHTML = `<span class="k-use">pids.current ${esc(p.current)}</span> · <span class="k-lim">pids.max ${esc(p.max)}</span> · pids.events max <b>${esc(p.max_events)}</b>`;
      $('#cg-pids-legend').dataset.current = p.current; $('#cg-pids-legend').dataset.maxEvents = p.max_events;
    }
    const io = last.io;
    if (io) {
      const w = rate(st, (x) => x.cg.io && x.cg.io.written).map((v) => (v === null ? null : v * 1000));
      const max = Math.max(...w.filter((v) => v !== null), 1) * 1.08;
      $('#cg-g-io').innerHTML = line(w, max, 'use');
      const l = w[w.length - 1];
      $('#cg-io-src').textContent = io.version === 'v2' ? 'io.stat wbytes (v2)' : 'blkio.throttle.io_service_bytes Write (v1)';
      $('#cg-io-legend').innerHTML = `<span class="k-use">${l === null || l === undefined ? '?' : fmtBytes(l)}/s</span> · ${fmtBytes(io.written)} in all`;
    }
    const psi = last.psi;
    if (psi && psi.memory) {
      const mem = s.map((x) => (x.cg.psi && x.cg.psi.memory && x.cg.psi.memory.some ? x.cg.psi.memory.some.avg10 : null));
      const cpu = s.map((x) => (x.cg.psi && x.cg.psi.cpu && x.cg.psi.cpu.some ? x.cg.psi.cpu.some.avg10 : null));
      const max = Math.max(10, ...mem.filter((v) => v !== null), ...cpu.filter((v) => v !== null)) * 1.08;
      $('#cg-g-psi').innerHTML = line(cpu, max, 'thr') + line(mem, max, 'use');
      $('#cg-psi-legend').innerHTML = `<span class="k-use">memory some ${esc(psi.memory.some ? psi.memory.some.avg10 : '?')} % (total ${esc(psi.memory.some ? psi.memory.some.total_us : '?')} µs)</span> · <span class="k-thr">cpu some ${esc(psi.cpu && psi.cpu.some ? psi.cpu.some.avg10 : '?')} %</span> · full memory ${esc(psi.memory.full ? psi.memory.full.avg10 : '?')} %`;
      $('#cg-psi-legend').dataset.available = '1';
      $('#cg-psi-legend').dataset.memTotal = psi.memory.some ? psi.memory.some.total_us : '';
    } else {
      $('#cg-g-psi').innerHTML = '';
      $('#cg-psi-legend').innerHTML = '<span class="unavail">unavailable: the container has no cgroup v2 directory with memory.pressure here (PSI needs cgroup v2 and a kernel built with it)</span>';
      $('#cg-psi-legend').dataset.available = '0';
    }
  }

  // ---- this host
  function hierTable(h) {
    $('#cg-mode').textContent = `cgroup layout: ${h.mode}${h.mode === 'hybrid' ? ' — the v1 controllers each on their own hierarchy, and a cgroup v2 tree for what none of them took' : ''}`;
    $('#cg-hier').innerHTML = h.hierarchies.map((x) => `<tr><td>${esc(x.mount)}</td><td>${esc(x.version)}</td><td>${esc(x.controllers || '(none enabled)')}</td></tr>`).join('');
  }
  function hostTable(ev) {
    hierTable(ev);
    $('#cg-checks-note').textContent = 'Each "here" is whether the file exists in this container\'s cgroup directory (shown on hover).';
    $('#cg-checks').innerHTML = ev.checks.map((c) => `<tr class="${c.here ? '' : 'no'}" data-testid="cg-check" data-feature="${esc(c.feature)}" data-here="${c.here ? 1 : 0}" data-on="${esc(c.on || '')}">
      <td>${esc(c.feature)}</td><td>${esc(c.v1)}</td><td>${esc(c.v2)}</td><td class="here-${c.here ? 'yes' : 'no'}" title="${esc(c.file || '')}">${c.here ? `yes (${esc(c.on)})` : (c.on ? `no: ${esc(c.on)} has no such file` : 'no controller')}</td></tr>`).join('');
    const mem = ev.checks.find((c) => c.feature === 'memory limit');
    if (mem) $('#cg-mem-file').textContent = mem.on === 'v2' ? 'memory.max' : 'memory.limit_in_bytes';
  }

  async function loadInfo() {
    try { hierTable(await api('GET', '/api/modules/cgroups')); } catch (e) { $('#cg-mode').textContent = e.message; }
  }

  $('#cg-start').addEventListener('click', start);
  $('#cg-apply').addEventListener('click', apply);
  $('#cg-stop').addEventListener('click', stop);
  onTabShown('cgroups', loadInfo);
  document.addEventListener('DOMContentLoaded', loadInfo);
}
