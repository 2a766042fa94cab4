// glass lab: the page.  Talks to the lab server (/api/, token in a header)
// and follows each experiment's event stream (Server-Sent Events).
// Nothing here invents a value: every number shown comes from an event the
// server relayed from the kernel (a probe report, a trace event, /proc).
'use strict';

const TOKEN = document.querySelector('meta[name="glass-token"]').content;
const $ = (s, el = document) => el.querySelector(s);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
let HOST = null; // /api/info

async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: { 'X-Glass-Token': TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = null;
  try { j = await r.json(); } catch (e) { j = { error: 'bad response' }; }
  if (!r.ok) throw new Error(j.error || ('HTTP ' + r.status));
  return j;
}

// ---------------------------------------------------------------- experiments
// One object per running experiment: its id, the SSE source, and a handler.
const live = new Map();

function follow(id, onEvent) {
  const exp = { id, last: -1, es: null, onEvent, ended: false };
  live.set(id, exp);
  const es = new EventSource(`/api/experiments/${id}/events?token=${encodeURIComponent(TOKEN)}`);
  exp.es = es;
  es.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    deliver(exp, ev);
  };
  es.addEventListener('big', async () => {
    const all = await api('GET', `/api/experiments/${id}`);
    for (const ev of all.events) deliver(exp, ev);
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

// The tab is alive: the server tears down experiments whose tab went quiet.
setInterval(() => {
  for (const id of live.keys()) api('POST', `/api/experiments/${id}/heartbeat`).catch(() => {});
}, 5000);
window.addEventListener('pagehide', () => {
  for (const id of live.keys())
    fetch(`/api/experiments/${id}`, { method: 'DELETE', keepalive: true, headers: { 'X-Glass-Token': TOKEN } });
});

// ---------------------------------------------------------------- tabs, host
for (const t of document.querySelectorAll('.tab')) {
  t.addEventListener('click', () => {
    document.querySelectorAll('.tab').forEach((x) => x.classList.toggle('active', x === t));
    document.querySelectorAll('.exp').forEach((x) => x.classList.toggle('active', x.id === 'exp-' + t.dataset.tab));
  });
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
    if (!HOST.time_namespaces) disableSwitch('time', 'this kernel has no time namespaces');
    if (!HOST.user_namespaces) disableSwitch('user', 'user namespaces are disabled on this host (user.max_user_namespaces = 0)');
  } catch (e) {
    $('#hostfacts').innerHTML = `<dt>lab</dt><dd>${esc(e.message)}</dd>`;
  }
}

// ======================================================== experiment 1
const NS = [
  { key: 'mount', id: 'mnt', flag: 'CLONE_NEWNS', what: 'the mount table and the root directory', on: true },
  { key: 'uts', id: 'uts', flag: 'CLONE_NEWUTS', what: 'the hostname and domain name', on: true },
  { key: 'ipc', id: 'ipc', flag: 'CLONE_NEWIPC', what: 'System V IPC objects and POSIX message queues', on: true },
  { key: 'pid', id: 'pid', flag: 'CLONE_NEWPID', what: 'process ids: its first process is pid 1', on: true },
  { key: 'net', id: 'net', flag: 'CLONE_NEWNET', what: 'interfaces, addresses, routes, ports', on: true },
  { key: 'user', id: 'user', flag: 'CLONE_NEWUSER', what: 'user and group ids, and what capabilities mean', on: false },
  { key: 'cgroup', id: 'cgroup', flag: 'CLONE_NEWCGROUP', what: 'where /proc/self/cgroup starts', on: true },
  { key: 'time', id: 'time', flag: 'CLONE_NEWTIME', what: 'offsets of the monotonic and boot clocks', on: false },
];

function buildSwitches() {
  const box = $('#ns-switches');
  box.innerHTML = NS.map((n) => `
    <label class="switch ${n.on ? 'on' : ''}" data-ns="${n.key}" data-testid="switch-${n.key}">
      <input type="checkbox" ${n.on ? 'checked' : ''} data-testid="ns-${n.key}">
      <span class="knob"></span>
      <span><b>${n.key}</b><span class="flag">${n.flag}</span><span class="what">${esc(n.what)}</span></span>
    </label>`).join('');
  box.querySelectorAll('.switch input').forEach((inp) => {
    inp.addEventListener('change', () => inp.closest('.switch').classList.toggle('on', inp.checked));
  });
  $('#ns-all').onclick = () => setAll(true);
  $('#ns-none').onclick = () => setAll(false);
}
function setAll(v) {
  document.querySelectorAll('#ns-switches input').forEach((i) => { if (!i.disabled) { i.checked = v; i.dispatchEvent(new Event('change')); } });
}
function disableSwitch(key, why) {
  const sw = $(`#ns-switches [data-ns="${key}"]`);
  if (!sw) return;
  const i = $('input', sw);
  i.checked = false; i.disabled = true;
  sw.classList.remove('on');
  sw.title = why;
  $('.what', sw).textContent = 'unavailable: ' + why;
}

let ns1 = null; // the current experiment 1 state

async function runNamespaces() {
  if (ns1 && ns1.id && live.has(ns1.id)) await stopExperiment(ns1.id);
  const chosen = {};
  document.querySelectorAll('#ns-switches .switch').forEach((sw) => { chosen[sw.dataset.ns] = $('input', sw).checked; });
  ns1 = { chosen, host: null, ctr: null, ipc: null, trace: [], config: null, error: null };
  $('#ns-status').textContent = 'starting a container…';
  $('#ns-status').classList.remove('err');
  $('#ns-result').classList.add('hidden');
  $('#ns-error').classList.add('hidden');
  $('#ns-views').innerHTML = '';
  $('#ns-trace').innerHTML = '';
  $('#ns-run').disabled = true;
  try {
    const r = await api('POST', '/api/experiments', { kind: 'namespaces', namespaces: chosen });
    ns1.id = r.id;
    follow(r.id, (ev) => nsEvent(ns1, ev));
  } catch (e) {
    $('#ns-status').textContent = e.message;
    $('#ns-status').classList.add('err');
    $('#ns-run').disabled = false;
  }
}

function nsEvent(st, ev) {
  if (st !== ns1) return;
  switch (ev.type) {
    case 'ipc': st.ipc = ev; break;
    case 'view':
      if (ev.side === 'host') st.host = ev.view; else { st.ctr = ev.view; st.exit = ev.exit; }
      $('#ns-status').textContent = ev.side === 'host' ? 'host read; the container runs…' : 'both sides read';
      break;
    case 'config': st.config = ev.config; $('#ns-config').textContent = JSON.stringify(ev.config, null, 2); break;
    case 'begin': break;
    case 'end': case 'note': traceLine($('#ns-trace'), ev); $('#ns-trace-count').textContent = $('#ns-trace').children.length; break;
    case 'error': st.error = ev; break;
    default: break;
  }
  if (ev.type === 'exp_end') {
    $('#ns-run').disabled = false;
    if (st.host && st.ctr) {
      renderNamespaces(st);
      $('#ns-status').textContent = `container ran (${ev.status}); its containers, cgroup and files are gone again`;
    } else {
      $('#ns-status').classList.add('err');
      $('#ns-status').textContent = st.error ? 'the container could not run: ' + (st.error.message || '') : 'the experiment ' + ev.status + (ev.reason ? ': ' + ev.reason : '');
      showNsError(st, ev);
    }
  }
}

// The runtime refused or failed: show its own words and hint.
function showNsError(st, ev) {
  const e = (st.error && st.error.error) || {};
  const box = $('#ns-error');
  box.innerHTML = `<h4>The container did not run (${esc(ev.status)})</h4>
    <div class="mono">${esc(st.error ? st.error.message : ev.reason || '')}</div>
    ${e.hint ? `<div class="hint">hint: ${esc(e.hint)}</div>` : ''}
    <p class="note">The syscalls that did run are listed below; the lab removed everything they made.</p>`;
  box.classList.remove('hidden');
  if (st.host) {
    $('#ns-result').classList.remove('hidden');
    $('#ns-membership').innerHTML = '';
    $('#ns-views').innerHTML = '';
  }
}

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

function nsOf(view, key) { return view && view.ns ? view.ns[key] : null; }

function renderNamespaces(st) {
  const host = st.host || {}, ctr = st.ctr || {};
  $('#ns-result').classList.remove('hidden');
  // --- membership diagram
  let m = `<div class="head">namespace</div><div class="head host">host (the lab's probe, pid ${esc(host.pid)})</div><div class="head ctr">container (its process, pid ${esc(ctr.pid ?? '–')} inside)</div><div class="head">verdict</div>`;
  for (const n of NS) {
    const h = nsOf(host, n.id), c = nsOf(ctr, n.id);
    const same = h !== null && h !== undefined && h === c;
    m += `<div class="nsname">${n.key}</div>`;
    if (same) m += `<div class="pill same" data-testid="member-${n.key}" data-same="1">${esc(n.id)}:[${esc(h)}] — shared</div>`;
    else m += `<div class="pill host">${esc(n.id)}:[${esc(h ?? '?')}]</div><div class="pill ctr" data-testid="member-${n.key}" data-same="0">${esc(n.id)}:[${esc(c ?? '?')}]</div>`;
    const asked = st.chosen[n.key];
    m += `<div class="verdict ${same ? 'same' : 'new'}">${same ? 'same' : 'its own'}${asked === !same ? '' : ' (!)'}</div>`;
  }
  $('#ns-membership').innerHTML = m;

  // --- rows
  const rows = [];
  rows.push(row('pid', 'Processes', pidWhy(host, ctr, st), procs(host, 'host', host.pid), procs(ctr, 'ctr', ctr.pid)));
  rows.push(row('uts', 'Hostname', 'sethostname() inside changes only the UTS namespace it runs in.',
    `<div class="big" data-testid="hostname-host">${esc(host.hostname)}</div>`,
    `<div class="big" data-testid="hostname-ctr">${esc(ctr.hostname)}</div>${st.chosen.uts ? '<p class="note">set from config.json <code>hostname</code></p>' : '<p class="note">no UTS namespace: the host\'s name, left untouched</p>'}`));
  rows.push(row('ipc', 'System V IPC', `The lab made a shared memory segment and a message queue with key <code>${esc(st.ipc ? st.ipc.key : '?')}</code> on the host. A process sees them only in the same IPC namespace.`,
    ipcList(host, st.ipc, 'host'), ipcList(ctr, st.ipc, 'ctr')));
  rows.push(row('net', 'Network', 'A new network namespace starts with a single loopback interface, down, and nothing else.', nets(host), nets(ctr, 'ctr')));
  rows.push(row('mnt', 'Mounts and root', mntWhy(st), mounts(host), mounts(ctr, 'ctr')));
  rows.push(row('user', 'Users and capabilities', 'In a user namespace, uid 0 inside maps to an unprivileged uid outside; its capabilities count only for resources that namespace owns.', ids(host), ids(ctr, 'ctr')));
  rows.push(row('cgroup', 'cgroup', 'A cgroup namespace makes the process\'s current cgroup look like the root "/".', cgroups(host), cgroups(ctr, 'ctr')));
  rows.push(row('time', 'Clocks', 'A time namespace adds fixed offsets to CLOCK_MONOTONIC and CLOCK_BOOTTIME (never to the wall clock).', clocks(host), clocks(ctr, 'ctr')));
  $('#ns-views').innerHTML = rows.join('');

  function row(id, title, why, h, c) {
    const a = nsOf(host, id), b = nsOf(ctr, id);
    const same = a === b;
    return `<section class="row" data-testid="row-${id}"><header><h4>${title}</h4><span class="tag ${same ? 'same' : 'new'}">${same ? 'same namespace' : 'own namespace'}</span><span class="why">${why}</span></header>
      <div class="sides"><div class="side host"><h5>host</h5>${h}</div><div class="side ctr"><h5>container</h5>${c}</div></div></section>`;
  }
}

function pidWhy(host, ctr, st) {
  const n = (ctr.procs || []).length;
  if (ctr.pid === 1 && n > 3) return 'getpid() is 1, but /proc is still the host\'s procfs (no new mount namespace to mount its own), so listing /proc shows every host process.';
  if (ctr.pid === 1) return `Its own PID namespace: the probe is pid 1 and sees ${n} process${n === 1 ? '' : 'es'}.`;
  return `No PID namespace: the probe is just another host process (pid ${esc(ctr.pid)}) and sees all ${n} of them.`;
}
function mntWhy(st) {
  return st.chosen.mount ? 'A new mount namespace starts as a copy of the host\'s table; the runtime then mounts the image and pivot_root()s into it.'
    : 'No mount namespace: the container shares the host\'s mount table, so the lab mounts nothing and keeps the host\'s root.';
}
function procs(v, side, self) {
  const p = v.procs || [];
  const rows = p.slice(0, 400).map((x) => `<tr class="${x.pid === self ? 'hl' : ''}"><td>${x.pid}</td><td>${x.ppid}</td><td>${esc(x.comm)}</td></tr>`).join('');
  return `<div class="muted" data-testid="procs-${side}" data-count="${p.length}" data-self="${esc(self)}" data-first="${p.length ? p[0].pid : ''}" data-comms="${esc(p.slice(0, 5).map((x) => x.comm).join(','))}">${p.length} process${p.length === 1 ? '' : 'es'}; getpid() = <b>${esc(self)}</b></div>
    <div class="scroll"><table><thead><tr><th>pid</th><th>ppid</th><th>comm</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}
function ipcList(v, ipc, side) {
  const key = ipc ? ipc.key : null;
  const all = [].concat((v.ipc && v.ipc.shm || []).map((x) => ({ ...x, kind: 'shm' })), (v.ipc && v.ipc.msg || []).map((x) => ({ ...x, kind: 'msg' })));
  const ours = all.filter((x) => x.key === key || parseInt(x.key) === parseInt(key));
  const hex = (k) => (typeof k === 'number' || /^\d+$/.test(k) ? '0x' + (Number(k) >>> 0).toString(16).padStart(8, '0') : k);
  const chips = all.length ? all.map((x) => `<span class="chip ${ours.includes(x) ? 'hl' : ''}">${x.kind} key ${esc(hex(x.key))} id ${esc(x.id)}</span>`).join('') : '<span class="muted">no System V objects</span>';
  return `<p data-testid="ipc-${side}" data-ours="${ours.length}"><b>${ours.length ? 'sees the lab\'s objects' : 'does not see the lab\'s objects'}</b></p>${chips}`;
}
function nets(v, side) {
  const n = v.net || [];
  return `<table data-testid="net-${side || 'host'}" data-count="${n.length}"><thead><tr><th>interface</th><th>state</th><th>addresses</th></tr></thead><tbody>${n.map((x) => `<tr><td>${esc(x.name)}</td><td>${x.up ? 'UP' : 'down'}</td><td>${esc((x.addrs || []).join(' '))}</td></tr>`).join('')}</tbody></table>`;
}
function mounts(v, side) {
  const m = v.mounts || [];
  const root = v.root ? `dev ${esc(v.root.dev)} ino ${esc(v.root.ino)}` : '?';
  return `<dl class="kv"><dt>root</dt><dd>${root}</dd><dt>mounts</dt><dd data-testid="mounts-${side || 'host'}" data-count="${m.length}">${m.length}</dd></dl>
    <div class="scroll"><table><thead><tr><th>target</th><th>type</th><th>source</th></tr></thead><tbody>${m.map((x) => `<tr><td>${esc(x.target)}</td><td>${esc(x.fstype)}</td><td>${esc(x.source)}</td></tr>`).join('')}</tbody></table></div>`;
}
function fmtMap(mp) { return (mp || []).map((r) => r.join(' ')).join('; ') || '–'; }
function ids(v, side) {
  const caps = v.caps ? v.caps.effective || [] : [];
  return `<dl class="kv" data-testid="ids-${side || 'host'}"><dt>uid / gid</dt><dd>${esc(v.uid)} / ${esc(v.gid)}</dd><dt>uid_map</dt><dd>${esc(fmtMap(v.uid_map))}</dd><dt>gid_map</dt><dd>${esc(fmtMap(v.gid_map))}</dd>
    <dt>CapEff</dt><dd>${esc(v.status ? v.status.CapEff : '?')} (${caps.length})</dd><dt>NoNewPrivs</dt><dd>${esc(v.status ? v.status.NoNewPrivs : '?')}</dd></dl>
    <div>${caps.map((c) => `<span class="chip">${esc(c)}</span>`).join('')}</div>`;
}
function cgroups(v, side) {
  const c = v.cgroup || [];
  return `<div class="scroll"><table data-testid="cgroup-${side || 'host'}"><thead><tr><th>id</th><th>controllers</th><th>path</th></tr></thead><tbody>${c.map((x) => `<tr><td>${esc(x.id)}</td><td>${esc(x.controllers)}</td><td>${esc(x.path)}</td></tr>`).join('')}</tbody></table></div>`;
}
function clocks(v, side) {
  const c = v.clocks || {}, o = v.timens_offsets || {};
  const d = (s) => (s === undefined || s === null ? '?' : `${Number(s).toFixed(3)} s (${(Number(s) / 86400).toFixed(2)} days)`);
  const off = (x) => (x ? `${x[0]} s ${x[1]} ns` : '–');
  return `<dl class="kv" data-testid="clocks-${side || 'host'}"><dt>CLOCK_MONOTONIC</dt><dd>${d(c.monotonic)}</dd><dt>CLOCK_BOOTTIME</dt><dd>${d(c.boottime)}</dd>
    <dt>offsets</dt><dd>monotonic ${off(o.monotonic)}, boottime ${off(o.boottime)}</dd></dl>`;
}

// ---- the CLONE_NEWPID lesson
async function runPidns() {
  $('#pidns-steps').innerHTML = '';
  $('#pidns-run').disabled = true;
  $('#pidns-status').textContent = 'running…';
  const facts = {};
  try {
    const r = await api('POST', '/api/experiments', { kind: 'pidns' });
    follow(r.id, (ev) => {
      if (ev.type === 'lesson') { facts[ev.step] = ev.facts; renderLesson(facts); }
      if (ev.type === 'exp_end') { $('#pidns-run').disabled = false; $('#pidns-status').textContent = ev.status === 'finished' ? 'done: every line above was read from the kernel' : ev.status; }
      if (ev.type === 'error') $('#pidns-status').textContent = ev.message;
    });
  } catch (e) { $('#pidns-status').textContent = e.message; $('#pidns-run').disabled = false; }
}
function renderLesson(f) {
  const li = [];
  const F = (s) => `<span class="fact">${esc(s)}</span>`;
  if (f.before) li.push(`<li data-testid="lesson-before">Before: the worker is ${F('getpid() = ' + f.before.getpid)}, in PID namespace ${F('pid:[' + f.before.ns.pid + ']')}; its children would be born in ${F('pid_for_children:[' + f.before.ns.pid_for_children + ']')} — the same one.</li>`);
  if (f['after-unshare']) {
    const a = f['after-unshare'];
    const pfc = a.ns.pid_for_children !== undefined
      ? `Only ${F('pid_for_children:[' + a.ns.pid_for_children + ']')} changed: that is the new namespace, still empty.`
      : `Only <code>pid_for_children</code> changed, and it cannot even be read yet: ${F('readlink(/proc/self/ns/pid_for_children) = -1 ' + (a.pid_for_children_errname || '') + ' (' + (a.pid_for_children_error || '') + ')')}. The new namespace has no process, and the kernel names it only once its init exists.`;
    li.push(`<li data-testid="lesson-after">After <code>unshare(CLONE_NEWPID)</code>: still ${F('getpid() = ' + a.getpid)} in ${F('pid:[' + a.ns.pid + ']')} — the caller did not move. ${pfc}</li>`);
  }
  if (f['first-child']) {
    const c = f['first-child'];
    li.push(`<li data-testid="lesson-child">Its first child reports ${F('getpid() = ' + c.child.getpid)} and ${F('getppid() = ' + c.child.getppid)} (its parent is outside, so it has no number in here), in ${F('pid:[' + c.child.ns.pid + ']')}. The parent knows the same process as ${F('pid ' + c.child_pid_seen_by_parent)}: one process, one number per namespace it is visible in. ${F('/proc/self -> ' + c.child.proc_self)}: /proc is still the host's procfs, which counts in the host's namespace.</li>`);
  }
  if (f['after-init-exit']) {
    const e = f['after-init-exit'];
    li.push(`<li data-testid="lesson-dead">That pid 1 has exited. A PID namespace whose init is gone takes no new process: the next ${F('fork() = ' + e.fork_result + (e.errname ? ' ' + e.errname + ' (' + e.error + ')' : ''))}. This is why a container's init matters.</li>`);
  }
  $('#pidns-steps').innerHTML = li.join('');
}

// ======================================================== experiment 2
const PLAN = [
  { key: 'ns', title: 'clone() into new namespaces', field: 'linux.namespaces', test: (e) => /^linux\.namespaces/.test(e.field) || /^(clone|clone3|unshare)$/.test(e.call) },
  { key: 'idmap', title: 'uid/gid maps of the user namespace', field: 'linux.uidMappings', need: (c) => c.linux.uidMappings, test: (e) => /^linux\.(uid|gid)Mappings/.test(e.field) || /(uid_map|gid_map|setgroups)/.test(e.args) },
  { key: 'cgroup', title: 'the cgroup: create, limit, move in', field: 'linux.cgroupsPath', test: (e) => /^linux\.(cgroupsPath|resources)/.test(e.field) || e.phase === 'cgroup' || /\/sys\/fs\/cgroup/.test(e.args) },
  { key: 'host', title: 'hostname', field: 'hostname', test: (e) => e.field === 'hostname' || e.call === 'sethostname' },
  { key: 'prop', title: 'mount propagation: / becomes a slave', field: 'linux.rootfsPropagation', test: (e) => e.call === 'mount' && /^"?NULL"?, "\/"/.test(e.args) },
  { key: 'bind', title: 'bind the rootfs onto itself', field: 'root.path', test: (e) => e.call === 'mount' && e.field === 'root.path' && /MS_BIND/.test(e.args) },
  { key: 'mounts', title: 'mounts: /proc, /dev, /dev/pts, /sys', field: 'mounts[]', test: (e) => /^mounts/.test(e.field) },
  { key: 'dev', title: 'device nodes and /dev links', field: 'linux.devices', test: (e) => /^linux\.devices/.test(e.field) || ((/^(mknodat|symlinkat|mknod|symlink)$/.test(e.call)) && /dev/.test(e.args)) },
  { key: 'pivot', title: 'pivot_root, then detach the old root', field: 'root.path', test: (e) => /^(pivot_root|umount2|chroot)$/.test(e.call) || (e.call === 'fchdir' && /old root/.test(e.args)) },
  { key: 'ro', title: 'read-only root and masked paths', field: 'root.readonly', test: (e) => /^(root\.readonly|linux\.maskedPaths|linux\.readonlyPaths)/.test(e.field) },
  { key: 'rlimits', title: 'resource limits', field: 'process.rlimits', test: (e) => /^process\.rlimits/.test(e.field) || /^(prlimit|setrlimit)/.test(e.call) },
  { key: 'caps', title: 'capabilities and the user', field: 'process.capabilities', test: (e) => /^process\.(capabilities|user)/.test(e.field) || /^(capset|setresuid|setresgid|setgroups)$/.test(e.call) },
  { key: 'nnp', title: 'no_new_privs', field: 'process.noNewPrivileges', test: (e) => e.field === 'process.noNewPrivileges' || /NO_NEW_PRIVS/.test(e.args) },
  { key: 'seccomp', title: 'the seccomp filter', field: 'linux.seccomp', test: (e) => /^linux\.seccomp/.test(e.field) || /seccomp/.test(e.call) },
  { key: 'exec', title: 'execve the process', field: 'process.args', test: (e) => /^execve/.test(e.call) },
];
const BREAK_PLAN = [
  { key: 'ns', title: 'unshare(CLONE_NEWNS): a private mount table', field: 'linux.namespaces', test: (e) => e.call === 'unshare' },
  { key: 'prop', title: 'mount propagation: / becomes a slave', field: '', test: (e) => e.call === 'mount' && /^"?NULL"?, "\/"/.test(e.args) },
  { key: 'pivot1', title: 'pivot_root into the plain directory: fails', field: 'root.path', test: (e, s) => (e.call === 'pivot_root' || e.call === 'chdir') && !s.fixed },
  { key: 'bind', title: 'the fix: bind the rootfs onto itself', field: 'root.path', test: (e) => e.call === 'mount' && /MS_BIND/.test(e.args) },
  { key: 'pivot2', title: 'pivot_root again: works; detach the old root', field: 'root.path', test: (e, s) => s.fixed && /^(pivot_root|umount2|fchdir|chdir|openat)$/.test(e.call) },
];

let walk = null;

function ctl(on) {
  $('#walk-next').disabled = !on.next;
  $('#walk-end').disabled = !on.end;
  $('#walk-reset').disabled = !on.reset;
  $('#walk-start').disabled = !on.start;
}

async function walkStart() {
  if (walk && walk.id && live.has(walk.id)) await stopExperiment(walk.id);
  const brk = $('#walk-break').checked;
  walk = { steps: new Map(), order: [], lastEnded: null, paused: null, auto: false, prevFacts: null, plan: brk ? BREAK_PLAN : PLAN, brk, fixed: false, config: null, done: false };
  $('#walk-steps').innerHTML = ''; $('#walk-final').innerHTML = ''; $('#walk-ticks').innerHTML = '';
  $('#walk-steps').removeAttribute('data-finished');
  renderPlan();
  ctl({ reset: true });
  status('starting the worker…');
  try {
    const r = await api('POST', '/api/experiments', { kind: 'walkthrough', user: $('#walk-user').checked, break: brk ? 'pivot-not-mountpoint' : 'none' });
    walk.id = r.id;
    const me = walk;
    follow(r.id, (ev) => walkEvent(me, ev));
  } catch (e) { status(e.message, true); ctl({ start: true }); }
}
function status(s, err) { $('#walk-status').textContent = s; $('#walk-status').classList.toggle('err', !!err); }

async function walkNext() {
  if (!walk || !walk.paused) return;
  walk.paused = null;
  ctl({ reset: true, end: !walk.auto });
  try { await api('POST', `/api/experiments/${walk.id}/step`, { action: 'next' }); } catch (e) { status(e.message, true); }
}
function walkEnd() { if (!walk) return; walk.auto = true; walkNext(); }
function walkReset() {
  const old = walk;
  walk = null;
  $('#walk-steps').innerHTML = ''; $('#walk-final').innerHTML = ''; $('#walk-ticks').innerHTML = ''; $('#walk-plan').innerHTML = '';
  $('#walk-steps').removeAttribute('data-finished');
  $('#walk-count').textContent = '';
  status('');
  ctl({ start: true });
  if (old && old.id) stopExperiment(old.id);
}

function walkEvent(w, ev) {
  if (w !== walk) return;
  switch (ev.type) {
    case 'config': w.config = ev.config; renderPlan(); break;
    case 'breakit': status('replaying the runtime\'s rootfs steps without the bind mount…'); break;
    case 'begin': stepBegin(w, ev); break;
    case 'pause': {
      if (ev.auto) break; // teardown after execve: the server lets it run
      const s = w.current;
      if (s) { s.el.classList.add('next'); w.paused = s; }
      renderTicks(w); renderPlan();
      if (w.auto) { walkNext(); } else { ctl({ next: true, end: true, reset: true }); status(`paused before step ${w.order.length}: ${s ? s.ev.call : ''}. Next runs it.`); }
      break;
    }
    case 'end': stepEnd(w, ev); break;
    case 'exp_end': finishExec(w); walkFinished(w, ev); break;
    case 'facts': stepFacts(w, ev); break;
    case 'note': noteLine(w, ev); break;
    case 'error': showError(w, ev); break;
    case 'view': if (ev.side === 'container') { finishExec(w); showFinal(w, ev); } break;
    case 'stopped': status('stopped: ' + ev.reason, true); break;
    default: break;
  }
}

function planIndex(w, e) {
  for (let i = 0; i < w.plan.length; i++) if (w.plan[i].test(e, w)) return i;
  return -1;
}

function stepBegin(w, ev) {
  const key = ev.pid + ':' + ev.step;
  const n = w.order.length + 1;
  if (w.execDone && !w.teardownShown) {
    w.teardownShown = true;
    const h = document.createElement('li');
    h.className = 'step noteline';
    h.textContent = 'The process has run. What follows is the runtime deleting the container (not part of the plan; it runs without pausing):';
    $('#walk-steps').appendChild(h);
  }
  const pi = w.execDone ? -1 : planIndex(w, ev);
  const li = document.createElement('li');
  li.className = 'step' + (w.execDone ? ' teardown' : '');
  li.dataset.testid = 'step';
  li.setAttribute('data-testid', 'step');
  li.dataset.call = ev.call;
  li.innerHTML = `<div class="line1"><span class="num">#${n}</span><span class="phase">${esc(ev.phase)}</span><span class="call">${esc(ev.call)}(${esc(ev.args)})</span><span class="res" data-testid="step-result">waiting</span><span class="dur"></span></div>
    <dl class="meta"><dt>config.json</dt><dd>${esc(ev.field || '— (the runtime\'s own step)')}</dd><dt>shell</dt><dd>${esc(shellFor(ev))}</dd><dt>pid</dt><dd>${esc(ev.pid)}</dd></dl>`;
  $('#walk-steps').appendChild(li);
  const s = { ev, el: li, n, plan: pi, done: false };
  w.steps.set(key, s); w.order.push(s); w.current = s;
  $('#walk-count').textContent = `(${w.order.length})`;
  li.scrollIntoView({ block: 'nearest' });
}

function stepEnd(w, ev) {
  const s = w.steps.get(ev.pid + ':' + ev.step);
  if (!s) return;
  s.end = ev; s.done = true;
  s.el.classList.remove('next');
  s.el.classList.add(ev.errno ? 'err' : 'ok');
  s.el.dataset.done = '1';
  const r = $('.res', s.el);
  r.textContent = ev.errno ? `= -1 ${ev.errname} (${ev.error})` : `= ${ev.result}`;
  r.className = 'res ' + (ev.errno ? 'err' : 'ok');
  $('.dur', s.el).textContent = (ev.dur_ns / 1e6).toFixed(3) + ' ms';
  w.lastEnded = s;
  if (w.brk && ev.call === 'mount' && /MS_BIND/.test(ev.args)) w.fixed = true;
  if (ev.call === 'execve') s.el.appendChild(factsNode('The process is replaced by the probe: its own report below is the state after execve.'));
  renderTicks(w); renderPlan();
}

function factsNode(html) { const d = document.createElement('div'); d.className = 'facts'; d.setAttribute('data-testid', 'facts'); d.innerHTML = html; return d; }

function stepFacts(w, f) {
  const s = w.lastEnded;
  const prev = w.prevFacts;
  w.prevFacts = f;
  if (!s || s.factsShown) return;
  s.factsShown = true;
  const out = [];
  const st = f.status || {};
  const who = f.is_container ? `the container's process, pid ${f.pid}` : `the runtime (worker), pid ${f.pid}: no container process yet`;
  out.push(`read after the step from /proc/${f.pid}: ${esc(who)}`);
  const hostNs = HOST ? HOST.host_ns : {};
  const base = prev && prev.pid === f.pid ? prev.ns : hostNs;
  const nsd = [];
  for (const k of ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup', 'time', 'pid_for_children']) {
    if (f.ns && base && f.ns[k] !== undefined && f.ns[k] !== base[k]) nsd.push(`${k}:[${f.ns[k]}]${base[k] ? ' (was ' + base[k] + ')' : ''}`);
  }
  if (nsd.length) out.push(`<span class="chg"><b>new namespaces:</b> ${esc(nsd.join(', '))}</span>`);
  for (const m of f.mounts_added || []) out.push(`<span class="add">+ ${esc(m.fstype)} ${esc(m.source)} on ${esc(m.target)} (${esc(m.options)}, ${esc(m.propagation)})</span>`);
  for (const m of f.mounts_removed || []) out.push(`<span class="rm">− ${esc(m.fstype)} on ${esc(m.target)}</span>`);
  const changed = (k) => prev && prev.pid === f.pid && prev.status && prev.status[k] !== st[k];
  for (const k of ['CapEff', 'CapBnd', 'NoNewPrivs', 'Seccomp']) if (changed(k)) out.push(`<span class="chg"><b>${k}</b> ${esc(prev.status[k])} → ${esc(st[k])}</span>`);
  if (prev && prev.pid === f.pid && prev.hostname !== f.hostname) out.push(`<span class="chg"><b>hostname</b> ${esc(prev.hostname)} → ${esc(f.hostname)}</span>`);
  if (prev && prev.pid === f.pid && prev.uid_map !== f.uid_map) out.push(`<span class="chg"><b>uid_map</b> ${esc((f.uid_map || '').trim())}</span>`);
  if (prev && prev.pid === f.pid && prev.cgroup !== f.cgroup) out.push(`<span class="chg"><b>cgroup</b> ${esc((f.cgroup || '').split('\n').filter((l) => /pids|unified|^0::/.test(l)).join('  '))}</span>`);
  out.push(`<span class="muted">now: CapEff ${esc(st.CapEff)} · NoNewPrivs ${esc(st.NoNewPrivs)} · Seccomp ${esc(st.Seccomp)} · ${f.mount_count} mounts · hostname ${esc(f.hostname)} · root ${esc(f.root)}</span>`);
  const node = factsNode(out.join('<br>'));
  node.dataset.pid = f.pid;
  node.dataset.capeff = st.CapEff || '';
  node.dataset.nnp = st.NoNewPrivs || '';
  node.dataset.seccomp = st.Seccomp || '';
  node.dataset.mounts = f.mount_count;
  node.dataset.hostname = f.hostname || '';
  node.dataset.uidmap = (f.uid_map || '').trim().replace(/\s+/g, ' ');
  node.dataset.nsChanged = nsd.length;
  s.el.appendChild(node);
}

function noteLine(w, ev) {
  if (ev.call !== 'exec') finishExec(w);
  const li = document.createElement('li');
  li.className = 'step noteline';
  li.textContent = `${ev.call}: ${ev.args}`;
  $('#walk-steps').appendChild(li);
}

// execve never returns when it works: no END event comes.  The next event
// from elsewhere (the runtime's "started" note) means it ran.
function finishExec(w) {
  const cur = w.order.find((s) => !s.done && /^execve/.test(s.ev.call));
  if (!cur || w.paused === cur) return;
  cur.done = true; cur.end = { errno: 0 };
  w.execDone = true;
  cur.el.classList.remove('next'); cur.el.classList.add('ok'); cur.el.dataset.done = '1';
  $('.res', cur.el).textContent = '= 0 (does not return)';
  $('.res', cur.el).className = 'res ok';
  cur.el.appendChild(factsNode('After execve the runtime is gone from this process: the probe runs in its place and reports its own view (below), read from inside.'));
  renderTicks(w); renderPlan();
}

const EXPLAIN = {
  pivot_root: 'pivot_root(new_root, put_old) swaps the root mount of this mount namespace, so new_root must be a mount of its own. A plain directory is not: the kernel answers EBUSY when that directory lies on the same mount as the current root (as here, if the image sits on the host\'s root filesystem), and EINVAL when it lies on some other mount without being a mount point itself. It also refuses when the mount holding it is shared, since the swap would then propagate to other namespaces. The runtime therefore first bind-mounts the rootfs onto itself, which makes the same directory a mount point; the lab now does exactly that and tries again.',
};

function showError(w, ev) {
  const e = ev.error || {};
  const box = document.createElement('div');
  box.className = 'errbox';
  box.setAttribute('data-testid', 'walk-error');
  box.innerHTML = `<h4>${esc(e.op || ev.where)} failed: ${esc(e.errname || '')}</h4>
    <div class="mono">${esc(e.msg || ev.message || '')}</div>${e.hint ? `<div class="hint">hint: ${esc(e.hint)}</div>` : ''}
    ${w.brk && /pivot_root/.test(e.op || '') ? `<p>${esc(EXPLAIN.pivot_root)}</p>` : ''}`;
  $('#walk-steps').appendChild(box);
  renderPlan(true);
}

function showFinal(w, ev) {
  const v = ev.view || {};
  const st = v.status || {};
  const caps = v.caps ? v.caps.effective || [] : [];
  $('#walk-final').innerHTML = `<div class="okbox" data-testid="walk-final-box"><b>The container ran.</b> Its process, the probe, reported from inside (exit ${esc(ev.exit)}):
    <dl class="kv"><dt>getpid()</dt><dd>${esc(v.pid)}</dd><dt>hostname</dt><dd>${esc(v.hostname)}</dd><dt>uid / gid</dt><dd>${esc(v.uid)} / ${esc(v.gid)}</dd>
    <dt>CapEff</dt><dd>${esc(st.CapEff)} = ${esc(caps.join(' '))}</dd><dt>NoNewPrivs</dt><dd>${esc(st.NoNewPrivs)}</dd><dt>Seccomp</dt><dd>${esc(st.Seccomp)} (2 = a filter is loaded)</dd>
    <dt>RLIMIT_NOFILE</dt><dd>${esc(v.rlimits && v.rlimits.RLIMIT_NOFILE ? v.rlimits.RLIMIT_NOFILE.soft + ' / ' + v.rlimits.RLIMIT_NOFILE.hard : '?')}</dd><dt>mounts</dt><dd>${esc((v.mounts || []).map((m) => m.target).join(' '))}</dd></dl></div>`;
}

function walkFinished(w, ev) {
  w.done = true;
  const okRun = ev.status === 'finished';
  status(w.brk ? (okRun ? 'done: the first pivot_root failed for real, the bind mount fixed it' : 'ended: ' + ev.status)
    : (okRun ? `done: ${w.order.length} steps; the container ran and was deleted` : `ended: ${ev.status}`), !okRun);
  $('#walk-steps').setAttribute('data-finished', ev.status);
  ctl({ start: true, reset: true });
  renderPlan();
}

// The step timeline: one square per step, coloured by phase; a red ring
// marks a failed step, a violet one the step waiting for Next.
const PHASES = ['setup', 'validate', 'state', 'namespaces', 'idmap', 'cgroup', 'rootfs', 'process', 'identity', 'security', 'start'];
function phaseClass(p) { const i = PHASES.indexOf(p); return i < 0 ? 'ph-other' : 'ph-' + p; }
function renderTicks(w) {
  const seen = [];
  const ticks = w.order.map((s) => {
    if (!seen.includes(s.ev.phase)) seen.push(s.ev.phase);
    const st = s.done ? (s.end.errno ? ' err' : '') : ' next';
    return `<span class="${phaseClass(s.ev.phase)}${st}" title="#${s.n} [${esc(s.ev.phase)}] ${esc(s.ev.call)}"></span>`;
  }).join('');
  const legend = seen.map((p) => `<i class="${phaseClass(p)}"></i>${esc(p)}`).join(' ');
  $('#walk-ticks').innerHTML = `<div class="squares">${ticks}</div><div class="legend">${legend}</div>`;
}

function renderPlan() {
  const w = walk;
  if (!w) return;
  const cfg = w.config;
  $('#walk-plan').innerHTML = w.plan.map((p, i) => {
    const mine = w.order.filter((s) => s.plan === i);
    const skip = cfg && p.need && !p.need(cfg);
    let cls = skip ? 'skip' : '';
    const last = mine[mine.length - 1];
    if (last && last.done && last.end.errno) cls = 'failed';
    else if (w.paused && w.paused.plan === i) cls = 'current';
    else if (mine.length && mine.every((s) => s.done)) cls = 'done';
    return `<li class="${cls}" data-testid="plan-${p.key}" data-steps="${mine.length}">${esc(p.title)}${mine.length ? ` <span class="muted">(${mine.length})</span>` : ''}<span class="pf">${esc(p.field)}</span></li>`;
  }).join('');
}

// ---- the equivalent shell command of a traced call
function splitArgs(s) {
  const out = []; let cur = ''; let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' && s[i - 1] !== '\\') q = !q;
    if (c === ',' && !q) { out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  // "/proc/self/fd/11" (/proc): the runtime names the real path in parentheses
  return out.map((a) => {
    const m = /^"[^"]*" \((.*)\)$/.exec(a);
    if (m) return m[1];
    return a.startsWith('"') && a.endsWith('"') ? a.slice(1, -1) : a;
  });
}
const UNSHARE = { CLONE_NEWNS: '--mount', CLONE_NEWUTS: '--uts', CLONE_NEWIPC: '--ipc', CLONE_NEWPID: '--pid --fork', CLONE_NEWNET: '--net', CLONE_NEWUSER: '--user', CLONE_NEWCGROUP: '--cgroup', CLONE_NEWTIME: '--time' };
const MNTOPT = { MS_RDONLY: 'ro', MS_NOSUID: 'nosuid', MS_NODEV: 'nodev', MS_NOEXEC: 'noexec', MS_STRICTATIME: 'strictatime', MS_RELATIME: 'relatime', MS_NOATIME: 'noatime' };
function shellFor(ev) {
  const a = splitArgs(ev.args || '');
  const flags = (x) => (x || '').split('|');
  switch (ev.call) {
    case 'clone': case 'clone3': case 'unshare': {
      const f = flags(a.find((x) => /CLONE_/.test(x))).map((x) => UNSHARE[x]).filter(Boolean);
      return f.length ? `unshare ${f.join(' ')}` : '# clone(): a new process';
    }
    case 'setns': return `nsenter --target PID --${(/CLONE_NEW(\w+)/.exec(ev.args) || [, 'all'])[1].toLowerCase().replace('ns', 'mount')}`;
    case 'mount': {
      const [src, tgt, type, fl, data] = a; const f = flags(fl);
      if (f.includes('MS_MOVE')) return `mount --move ${src} ${tgt}`;
      if (f.includes('MS_REMOUNT')) return `mount -o remount,${f.map((x) => MNTOPT[x]).filter(Boolean).join(',') || 'defaults'}${f.includes('MS_BIND') ? ',bind' : ''} ${tgt}`;
      if (f.includes('MS_BIND')) return `mount ${f.includes('MS_REC') ? '--rbind' : '--bind'} ${src} ${tgt}`;
      const prop = ['MS_SLAVE', 'MS_PRIVATE', 'MS_SHARED', 'MS_UNBINDABLE'].find((x) => f.includes(x));
      if (prop) return `mount --make-${f.includes('MS_REC') ? 'r' : ''}${prop.slice(3).toLowerCase()} ${tgt}`;
      const o = f.map((x) => MNTOPT[x]).filter(Boolean);
      if (data && data !== 'NULL') o.push(data);
      return `mount -t ${type} ${o.length ? '-o ' + o.join(',') + ' ' : ''}${src} ${tgt}`;
    }
    case 'umount2': return `umount ${/MNT_DETACH|0x2\b|, 2$/.test(ev.args) ? '-l ' : ''}${a[0]}`;
    case 'pivot_root': return `pivot_root ${a[0]} ${a[1]}`;
    case 'chroot': return `chroot ${a[0]}`;
    case 'chdir': return `cd ${a[0]}`;
    case 'fchdir': return `cd <${a[0]}>`;
    case 'sethostname': return `hostname ${a[0]}`;
    case 'setdomainname': return `domainname ${a[0]}`;
    case 'write': return `echo '${(a[1] || '').replace(/\\n/g, '')}' > ${a[0]}`;
    case 'mkdirat': case 'mkdir': return `mkdir ${a[a.length - 2] || a[0]}`;
    case 'mknodat': case 'mknod': {
      const m = /"([^"]+)", S_IF(CHR|BLK)\|0?(\d+), makedev\((\d+), (\d+)\)/.exec(ev.args);
      return m ? `mknod -m ${m[3]} ${m[1]} ${m[2] === 'CHR' ? 'c' : 'b'} ${m[4]} ${m[5]}` : `mknod ${a[1] || a[0]}`;
    }
    case 'fchmodat': case 'chmod': return `chmod ${(a[1] || '').replace(/^0/, '')} ${a[0]}`;
    case 'fchownat': case 'chown': return `chown ${a[1]}:${a[2]} ${a[0]}`;
    case 'unlinkat': return `rm ${a[1] || a[0]}`;
    case 'rmdir': return `rmdir ${a[0]}`;
    case 'mkfifoat': return `mkfifo -m ${(a[1] || '').replace(/^0/, '')} ${a[0]}`;
    case 'umask': return `umask ${a[0]}`;
    case 'close_range': return '# closes every fd not meant for the container';
    case 'symlinkat': case 'symlink': return `ln -s ${a[0]} ${a[a.length - 1]}`;
    case 'prlimit': case 'setrlimit': return `prlimit --pid PID ${ev.args}`;
    case 'setresuid': return `setpriv --reuid=${a[0]}`;
    case 'setresgid': return `setpriv --regid=${a[0]}`;
    case 'setgroups': return 'setpriv --clear-groups';
    case 'capset': return 'setpriv --inh-caps=… --ambient-caps=…  (capsh --caps=…)';
    case 'prctl':
      if (/NO_NEW_PRIVS/.test(ev.args)) return 'setpriv --no-new-privs';
      if (/CAPBSET_DROP/.test(ev.args)) return `capsh --drop=${(/CAP_\w+/.exec(ev.args) || ['CAP_…'])[0]}`;
      if (/KEEPCAPS/.test(ev.args)) return 'setpriv --keep-caps (prctl PR_SET_KEEPCAPS)';
      return `# prctl(${ev.args})`;
    case 'seccomp': case 'seccomp_load': return '# no shell equivalent: a BPF program given to seccomp(2) (libseccomp seccomp_load)';
    case 'execve': return `exec ${a.slice(1).join(' ') || a[0]}`;
    case 'setsid': return 'setsid';
    case 'keyctl': return 'keyctl session';
    case 'openat': case 'openat2': return `exec {fd}<${a[1] || a[0]}`;
    default: return `# ${ev.call}: no single shell command`;
  }
}

// ---------------------------------------------------------------- start
buildSwitches();
loadHost();
$('#ns-run').addEventListener('click', runNamespaces);
$('#pidns-run').addEventListener('click', runPidns);
$('#walk-start').addEventListener('click', walkStart);
$('#walk-next').addEventListener('click', walkNext);
$('#walk-end').addEventListener('click', walkEnd);
$('#walk-reset').addEventListener('click', walkReset);
ctl({ start: true });
