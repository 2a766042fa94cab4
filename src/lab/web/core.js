// glass lab: the page's frame.  Talks to the lab server (/api/, token in a
// header), follows each experiment's event stream (Server-Sent Events),
// and switches tabs.  Each experiment's own script (exp-ID.js, loaded after
// this one) uses what is defined here.  Nothing here invents a value: every
// number shown comes from an event the server relayed from the kernel.
'use strict';

const TOKEN = document.querySelector('meta[name="glass-token"]').content;
const $ = (s, el = document) => el.querySelector(s);
const $$ = (s, el = document) => [...el.querySelectorAll(s)];
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const fmtBytes = (n) => {
  if (n === null || n === undefined || Number.isNaN(Number(n))) return '?';
  n = Number(n);
  if (n >= 2 ** 62) return 'max';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(n < 10 ? 2 : 1) : String(n)) + ' ' + u[i];
};
let HOST = null; // /api/info
const hostWaiters = [];
function onHost(fn) { if (HOST) fn(HOST); else hostWaiters.push(fn); }

// The server's answer, or an Error carrying its reason ({"error": ...}).
async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: { 'X-Glass-Token': TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = null;
  try { j = await r.json(); } catch (e) { j = { error: `HTTP ${r.status}: the answer was not JSON` }; }
  if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
  return j;
}

// ---------------------------------------------------------------- experiments
// One object per running experiment: its id, the SSE source, and a handler.
const live = new Map();

function follow(id, onEvent) {
  const exp = { id, last: -1, es: null, onEvent, ended: false, fetching: 0, queue: [] };
  live.set(id, exp);
  const es = new EventSource(`/api/experiments/${id}/events?token=${encodeURIComponent(TOKEN)}`);
  exp.es = es;
  // While a big event is being fetched, the stream's later events wait:
  // delivered first, they would move `last` past the big one, which
  // would then be dropped as already seen.
  es.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    if (exp.fetching) exp.queue.push(ev); else deliver(exp, ev);
  };
  es.addEventListener('big', async () => {
    exp.fetching++;
    try {
      const all = await api('GET', `/api/experiments/${id}`);
      for (const ev of all.events) deliver(exp, ev);
    } finally {
      if (--exp.fetching === 0) for (const ev of exp.queue.splice(0)) deliver(exp, ev);
    }
  });
  es.onerror = () => { if (exp.ended) es.close(); };
  return exp;
}

function deliver(exp, ev) {
  if (ev.n <= exp.last) return;
  exp.last = ev.n;
  if (ev.type === 'exp_end') {
    exp.ended = true;
    exp.es.close();
    live.delete(exp.id);
  }
  try { exp.onEvent(ev); } catch (e) { console.error(e); }
}

async function stopExperiment(id) {
  const exp = live.get(id);
  if (exp) { exp.ended = true; exp.es.close(); live.delete(id); }
  try { await api('DELETE', `/api/experiments/${id}`); } catch (e) { /* already gone */ }
}

// Sends an action to a running experiment; shows the server's reason on failure.
async function action(id, body, statusEl) {
  try { return await api('POST', `/api/experiments/${id}/action`, body); } catch (e) {
    if (statusEl) { statusEl.textContent = e.message; statusEl.classList.add('err'); }
    return null;
  }
}

// The page is there: the server tears down experiments whose page went
// quiet (no request and no stream read for a few seconds).
setInterval(() => {
  for (const id of live.keys()) api('POST', `/api/experiments/${id}/heartbeat`).catch(() => {});
}, 1000);
window.addEventListener('pagehide', () => {
  for (const id of live.keys())
    fetch(`/api/experiments/${id}`, { method: 'DELETE', keepalive: true, headers: { 'X-Glass-Token': TOKEN } });
});

// One line of a runtime trace (a BEGIN/END pair already matched, or a note).
function traceLine(ol, ev) {
  const li = document.createElement('li');
  if (ev.type === 'note') {
    li.innerHTML = `<span class="ph">[${esc(ev.phase)}]</span> ${esc(ev.call)}: ${esc(ev.args)}`;
  } else {
    const res = ev.errno ? `-1 ${ev.errname} (${ev.error})` : String(ev.result);
    li.innerHTML = `<span class="ph">[${esc(ev.phase)}]</span> ${esc(ev.call)}(${esc(ev.args)}) = ${esc(res)} <span class="ph">${(ev.dur_ns / 1e6).toFixed(3)} ms${ev.field ? ' ← ' + esc(ev.field) : ''}</span>`;
    if (ev.errno) li.className = 'err';
  }
  ol.appendChild(li);
}

// ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)
const tabShown = new Map(); // module id -> callback when its tab is shown
function onTabShown(id, fn) { tabShown.set(id, fn); }
function showTab(t, focus) {
  $$('.tab').forEach((x) => {
    const on = x === t;
    x.classList.toggle('active', on);
    x.setAttribute('aria-selected', on ? 'true' : 'false');
    x.tabIndex = on ? 0 : -1;
  });
  $$('.exp').forEach((x) => x.classList.toggle('active', x.id === 'exp-' + t.dataset.tab));
  if (focus) t.focus();
  const cb = tabShown.get(t.dataset.tab);
  if (cb) cb();
}
for (const t of $$('.tab')) {
  t.addEventListener('click', () => showTab(t));
  t.addEventListener('keydown', (e) => {
    const tabs = $$('.tab');
    const i = tabs.indexOf(t);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    showTab(tabs[(to + tabs.length) % tabs.length], true);
  });
}

// The doctor's report (each check a real probe, made when the lab started),
// and the experiments this host cannot show greyed out with its reason.
function doctor(host) {
  const checks = (host.doctor && host.doctor.checks) || [];
  const n = (st) => checks.filter((c) => c.status === st).length;
  $('#doctor-sum').textContent = `${n('ok')} ok, ${n('partial')} partial, ${n('missing')} missing`;
  $('#doctor-checks').innerHTML = checks.map((c) => `<tr data-testid="doctor-check" data-id="${esc(c.id)}" data-status="${esc(c.status)}" class="st-${esc(c.status)}"><th>${esc(c.title)}</th><td class="st">${esc(c.status)}</td><td>${esc(c.result)}<div class="muted">test: ${esc(c.test)}</div>` +
    (c.status !== 'ok' ? `<div>without it: ${esc(c.missing)}</div><div>to get it: ${esc(c.fix)}</div>` : '') + '</td></tr>').join('');
  for (const [mod, needs] of Object.entries(host.needs || {})) {
    const miss = checks.filter((c) => needs.split(' ').includes(c.id) && c.status === 'missing');
    const panel = $('#exp-' + mod);
    if (!miss.length || !panel) continue;
    panel.classList.add('greyed');
    panel.insertAdjacentHTML('afterbegin', `<p class="greyed-why" data-testid="greyed-why">This host cannot show this experiment: ${miss.map((c) => `${esc(c.title)}: ${esc(c.result)} (${esc(c.fix)})`).join('; ')}</p>`);
    for (const b of $$('button', panel)) b.disabled = true;
  }
}

async function loadHost() {
  try {
    HOST = await api('GET', '/api/info');
    const dl = $('#hostfacts');
    const yes = (b) => (b ? 'yes' : 'no');
    dl.innerHTML = [
      ['kernel', HOST.kernel], ['hostname', HOST.hostname], ['cgroups', HOST.cgroup_layout],
      ['user namespaces', yes(HOST.user_namespaces)], ['time namespaces', yes(HOST.time_namespaces)],
      ['probe', HOST.probe ? 'in the built-in image' : 'missing: run make'],
    ].map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
    doctor(HOST);
    for (const fn of hostWaiters.splice(0)) fn(HOST);
  } catch (e) {
    $('#hostfacts').innerHTML = `<dt>lab</dt><dd>${esc(e.message)}</dd>`;
  }
}
document.addEventListener('DOMContentLoaded', loadHost);
