// Experiment 1: what a process can see (exp-namespaces.c).  The
// namespace switches, the container beside the host, the CLONE_NEWPID lesson.
'use strict';
{
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
  const ownUser = nsOf(host, 'user') !== nsOf(ctr, 'user');
  rows.push(row('user', 'Users and capabilities', ownUser
    ? 'In a user namespace, uid 0 inside maps to an unprivileged uid outside; the container\'s CapEff is counted in its own user namespace and gives power only over what that namespace owns.'
    : 'The same user namespace as the host: uid 0 is the host\'s root. The container has fewer capabilities not because of a namespace but because config.json\'s process.capabilities keeps only these (the runtime dropped the rest from the bounding set and the effective set).',
    ids(host), ids(ctr, 'ctr', ownUser)));
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
  // The root as mountinfo says it: the "/" entry (the last one: mounts
  // stack) and its root field, the directory of that filesystem that is "/".
  const top = m.filter((x) => x.target === '/').pop();
  const root = top ? `${esc(top.source)} (${esc(top.fstype)}), root field <b>${esc(top.root)}</b>` : '?';
  const ino = v.root ? ` · dev ${esc(v.root.dev)} ino ${esc(v.root.ino)}` : '';
  return `<dl class="kv"><dt>"/" in mountinfo</dt><dd data-testid="root-${side || 'host'}" data-root="${esc(top ? top.root : '')}">${root}${ino}</dd><dt>mounts</dt><dd data-testid="mounts-${side || 'host'}" data-count="${m.length}">${m.length}</dd></dl>
    <div class="scroll"><table><thead><tr><th>target</th><th>type</th><th>source</th></tr></thead><tbody>${m.map((x) => `<tr><td>${esc(x.target)}</td><td>${esc(x.fstype)}</td><td>${esc(x.source)}</td></tr>`).join('')}</tbody></table></div>`;
}
function fmtMap(mp) { return (mp || []).map((r) => r.join(' ')).join('; ') || '–'; }
function ids(v, side, ownUser) {
  const caps = v.caps ? v.caps.effective || [] : [];
  return `<dl class="kv" data-testid="ids-${side || 'host'}"><dt>uid / gid</dt><dd>${esc(v.uid)} / ${esc(v.gid)}</dd><dt>uid_map</dt><dd>${esc(fmtMap(v.uid_map))}</dd><dt>gid_map</dt><dd>${esc(fmtMap(v.gid_map))}</dd>
    <dt>CapEff</dt><dd>${esc(v.status ? v.status.CapEff : '?')} (${caps.length})${ownUser ? ' — in its own user namespace' : ''}</dd><dt>NoNewPrivs</dt><dd>${esc(v.status ? v.status.NoNewPrivs : '?')}</dd></dl>
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
      if (ev.type === 'exp_end') { $('#pidns-run').disabled = false; $('#pidns-status').textContent = ev.status === 'finished' ? 'done: every line below was read from the kernel' : ev.status; }
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


buildSwitches();
onHost((h) => {
  if (!h.time_namespaces) disableSwitch('time', 'this kernel has no time namespaces');
  if (!h.user_namespaces) disableSwitch('user', 'user namespaces are disabled on this host (user.max_user_namespaces = 0)');
});
$('#ns-run').addEventListener('click', runNamespaces);
$('#pidns-run').addEventListener('click', runPidns);
}
