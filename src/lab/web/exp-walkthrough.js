// Experiment 2: a container, one syscall at a time (exp-walkthrough.c).
// The runtime's step mode, the plan, the facts after each step, break it.
'use strict';
{
// Each plan item: which steps belong to it, and why the kernel needs it.
const PLAN = [
  { key: 'prep', title: 'the runtime prepares itself', field: '—', why: 'Before touching the container the runtime becomes a child subreaper (PR_SET_CHILD_SUBREAPER), so the container\'s processes are reparented to it, not to init, if an intermediate process exits; then it validates config.json and makes its state directory.', test: (e) => /SUBREAPER/.test(e.args) || /^(setup|validate|state)$/.test(e.phase) },
  { key: 'ns', title: 'clone() into new namespaces', why: "clone(2) with CLONE_NEW* flags starts the container's first process already inside new namespaces: from then on it has its own mount table, hostname, IPC objects, pid numbers and network stack.", field: 'linux.namespaces', test: (e) => /^linux\.namespaces/.test(e.field) || /^(clone|clone3|unshare)$/.test(e.call) },
  { key: 'idmap', title: 'uid/gid maps of the user namespace', why: 'A new user namespace maps no ids at first: the parent writes /proc/PID/uid_map and gid_map (after denying setgroups) so that root inside is an unprivileged uid outside.', field: 'linux.uidMappings', need: (c) => c.linux.uidMappings, test: (e) => /^linux\.(uid|gid)Mappings/.test(e.field) || /(uid_map|gid_map|setgroups)/.test(e.args) },
  { key: 'cgroup', title: 'the cgroup: create, limit, move in', why: "The runtime makes the container's cgroup directory on each hierarchy, writes the limits of linux.resources into its files, and opens what the process joins it by: clone3(CLONE_INTO_CGROUP) starts it in the cgroup2 group, and the process writes \"0\" (itself) to each v1 hierarchy's tasks file, which spares the kernel's global lock a pid written to cgroup.procs takes; its children inherit the group.", field: 'linux.cgroupsPath', test: (e) => /^linux\.(cgroupsPath|resources)/.test(e.field) || e.phase === 'cgroup' || /\/sys\/fs\/cgroup/.test(e.args) },
  { key: 'host', title: 'hostname', why: "sethostname(2) changes the name of the UTS namespace the process is in: the host's name is untouched.", field: 'hostname', test: (e) => e.field === 'hostname' || e.call === 'sethostname' },
  { key: 'prop', title: 'mount propagation: / becomes a slave', why: "The new mount namespace starts as a copy of the host's with shared propagation: making / a slave (recursively) lets host mounts still appear inside but stops the container's mounts from propagating back to the host.", field: 'linux.rootfsPropagation', test: (e) => e.call === 'mount' && /^"?NULL"?, "\/"/.test(e.args) },
  { key: 'bind', title: 'bind the rootfs onto itself', why: 'pivot_root(2) needs the new root to be a mount point; a bind mount of the rootfs onto itself makes the same directory one.', field: 'root.path', test: (e) => e.call === 'mount' && e.field === 'root.path' && /MS_BIND/.test(e.args) },
  { key: 'mounts', title: 'mounts: /proc, /dev, /dev/pts, /sys', why: 'The mounts of config.json, under the new root: a proc for the new PID namespace, a tmpfs /dev, a new devpts instance, a read-only sysfs.', field: 'mounts[]', test: (e) => /^mounts/.test(e.field) },
  { key: 'dev', title: 'device nodes and /dev links', why: "The container's /dev is empty: the runtime makes the default device nodes (null, zero, random, tty, ...) and the usual links (/dev/fd, stdin, ...).", field: 'linux.devices', test: (e) => /^linux\.devices/.test(e.field) || ((/^(mknodat|symlinkat|mknod|symlink)$/.test(e.call)) && /dev/.test(e.args)) },
  { key: 'pivot', title: 'pivot_root, then detach the old root', why: 'pivot_root(".", ".") swaps the root mount of the namespace; the old root, stacked on the same directory, is then detached with umount2(MNT_DETACH), so nothing of the host\'s tree stays reachable.', field: 'root.path', test: (e) => /^(pivot_root|umount2|chroot)$/.test(e.call) || (e.call === 'fchdir' && /old root/.test(e.args)) },
  { key: 'ro', title: 'read-only root and masked paths', why: 'With root.readonly the root mount is remounted read-only; masked paths are hidden under empty mounts and read-only paths remounted read-only.', field: 'root.readonly', test: (e) => /^(root\.readonly|linux\.maskedPaths|linux\.readonlyPaths)/.test(e.field) },
  { key: 'rlimits', title: 'resource limits', why: 'prlimit(2) sets each RLIMIT_* of process.rlimits on the process; they pass to whatever it executes.', field: 'process.rlimits', test: (e) => /^process\.rlimits/.test(e.field) || /^(prlimit|setrlimit)/.test(e.call) },
  { key: 'caps', title: 'capabilities and the user', why: 'The bounding set is cut down one capability at a time (PR_CAPBSET_DROP), the user and groups are set, and capset(2) leaves exactly the capabilities of process.capabilities.', field: 'process.capabilities', test: (e) => /^process\.(capabilities|user)/.test(e.field) || /^(capset|setresuid|setresgid|setgroups)$/.test(e.call) },
  { key: 'nnp', title: 'no_new_privs', why: 'PR_SET_NO_NEW_PRIVS makes execve unable to grant privileges (setuid bits, file capabilities) from now on; it is also what lets an unprivileged process load a seccomp filter.', field: 'process.noNewPrivileges', test: (e) => e.field === 'process.noNewPrivileges' || /NO_NEW_PRIVS/.test(e.args) },
  { key: 'seccomp', title: 'the seccomp filter', why: 'A BPF program, built by libseccomp from linux.seccomp, is loaded: from now on every system call is checked against it.', field: 'linux.seccomp', test: (e) => /^linux\.seccomp/.test(e.field) || /seccomp/.test(e.call) },
  { key: 'exec', title: 'execve the process', why: "execve(2) replaces the runtime's code in this process by the container's program: the namespaces, cgroup, root, limits, capabilities and filter set up above stay.", field: 'process.args', test: (e) => /^execve/.test(e.call) },
];
const BREAK_PLAN = [
  { key: 'ns', title: 'unshare(CLONE_NEWNS): a private mount table', field: 'linux.namespaces', why: 'A throwaway child gets a mount namespace of its own, so what it does cannot touch the host\'s mounts.', test: (e) => e.call === 'unshare' },
  { key: 'prop', title: 'mount propagation: / becomes a slave', field: '', test: (e) => e.call === 'mount' && /^"?NULL"?, "\/"/.test(e.args) },
  { key: 'pivot1', title: 'pivot_root into the plain directory: fails', field: 'root.path', why: 'Without the bind mount the new root is an ordinary directory, and the kernel refuses it.', test: (e, s) => (e.call === 'pivot_root' || e.call === 'chdir') && !s.fixed },
  { key: 'bind', title: 'the fix: bind the rootfs onto itself', field: 'root.path', why: 'A bind mount of the directory onto itself makes it a mount point.', test: (e) => e.call === 'mount' && /MS_BIND/.test(e.args) },
  { key: 'pivot2', title: 'pivot_root again: works; detach the old root', field: 'root.path', why: 'The same call now succeeds; the old root is detached.', test: (e, s) => s.fixed && /^(pivot_root|umount2|fchdir|chdir|openat)$/.test(e.call) },
];

let walk = null;

function ctl(on) {
  $('#walk-next').disabled = !on.next;
  $('#walk-phase').disabled = !on.next;
  $('#walk-end').disabled = !on.end;
  $('#walk-reset').disabled = !on.reset;
  $('#walk-start').disabled = !on.start;
}

async function walkStart() {
  if (walk && walk.id && live.has(walk.id)) await stopExperiment(walk.id);
  const brk = $('#walk-break').checked;
  walk = { steps: new Map(), order: [], lastEnded: null, paused: null, auto: false, phaseRun: null, lastPlan: -1, prevFacts: null, plan: brk ? BREAK_PLAN : PLAN, brk, fixed: false, config: null, done: false };
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
// Runs to the next item of the plan: steps go on while they belong to the
// item being run (or to none), and stop before the first of another.
function walkPhase() {
  if (!walk || !walk.paused) return;
  walk.phaseRun = walk.paused.plan;
  walkNext();
}
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
      if (w.phaseRun !== undefined && w.phaseRun !== null && s && s.plan >= 0 && s.plan !== w.phaseRun) w.phaseRun = null;
      // A group is open only while its step waits.
      for (const g of new Set(w.order.map((x) => x.group).filter(Boolean))) $('details', g.el).open = !!(s && s.group === g) && !w.auto && w.phaseRun === null;
      renderTicks(w); renderPlan();
      if (w.auto || (w.phaseRun !== undefined && w.phaseRun !== null)) { walkNext(); } else { ctl({ next: true, end: true, reset: true }); status(`paused before step ${w.order.length}: ${s ? s.ev.call : ''}${s && s.plan >= 0 ? ` (${w.plan[s.plan].title})` : ''}. Next runs it.`); }
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
  if (pi >= 0 && pi !== w.lastPlan) phaseHead(w, pi);
  if (pi >= 0) w.lastPlan = pi;
  const li = document.createElement('li');
  li.className = 'step' + (w.execDone ? ' teardown' : '');
  li.dataset.testid = 'step';
  li.setAttribute('data-testid', 'step');
  li.dataset.call = ev.call;
  li.innerHTML = `<div class="line1"><span class="num">#${n}</span><span class="phase">${esc(ev.phase)}</span><span class="call">${esc(ev.call)}(${esc(ev.args)})</span><span class="res" data-testid="step-result">waiting</span><span class="dur"></span></div>
    <dl class="meta"><dt>config.json</dt><dd>${esc(ev.field || '— (the runtime\'s own step)')}</dd><dt>shell</dt><dd data-testid="step-shell">${esc(shellFor(ev))}</dd><dt>pid</dt><dd>${esc(ev.pid)}</dd></dl>`;
  const s = { ev, el: li, n, plan: pi, done: false, gkey: groupKey(ev, pi) };
  addToTimeline(w, s);
  w.steps.set(key, s); w.order.push(s); w.current = s;
  $('#walk-count').textContent = `(${w.order.length})`;
  li.scrollIntoView({ block: 'nearest' });
}

// A new item of the plan starts: say what it is for.
function phaseHead(w, pi) {
  const p = w.plan[pi];
  const h = document.createElement('li');
  h.className = 'phasehead';
  h.setAttribute('data-testid', 'phase-head');
  h.dataset.plan = p.key;
  h.innerHTML = `<b>${esc(p.title)}</b>${p.why ? ` — <span class="why">${esc(p.why)}</span>` : ''}`;
  $('#walk-steps').appendChild(h);
}

// Repetitive runs (36 × PR_CAPBSET_DROP, the cgroup v1 mounts, the device
// nodes) share one card that can be opened: same call, same first
// argument, same plan item, one after the other.
function groupKey(ev, pi) {
  // PR_CAPBSET_DROP(CAP_CHOWN) or PR_CAPBSET_DROP, CAP_CHOWN: the option.
  const first = (/^"?([A-Z_]+)/.exec(ev.args || '') || ['', ''])[1];
  if (ev.call === 'prctl') return `prctl|${first}|${pi}`;
  if (/^(mount|mknodat|symlinkat|write|mkdirat|openat|fchownat|fchmodat)$/.test(ev.call)) return `${ev.call}|${pi}`;
  return null;
}
function addToTimeline(w, s) {
  const prev = w.order[w.order.length - 1];
  if (!s.gkey || !prev || prev.gkey !== s.gkey || w.execDone) { $('#walk-steps').appendChild(s.el); return; }
  let g = prev.group;
  if (!g) {
    g = { el: document.createElement('li'), members: [prev] };
    g.el.className = 'group';
    g.el.setAttribute('data-testid', 'step-group');
    g.el.innerHTML = '<details open><summary></summary><ol class="timeline"></ol></details>';
    prev.el.replaceWith(g.el);
    $('ol', g.el).appendChild(prev.el);
    prev.group = g;
  }
  g.members.push(s);
  s.group = g;
  $('ol', g.el).appendChild(s.el);
  groupSummary(g);
}
function groupSummary(g) {
  const ev = g.members[0].ev;
  const names = g.members.map((m) => (/CAP_\w+/.exec(m.ev.args) || /"([^"]+)"/.exec(m.ev.args) || ['', ''])[0].replace(/"/g, '')).filter(Boolean);
  const span = names.length > 1 ? ` (${names[0]} … ${names[names.length - 1]})` : '';
  const first = ev.call === 'prctl' ? `${(/^"?([A-Z_]+)/.exec(ev.args || '') || ['', ''])[1]}, …` : '…';
  $('summary', g.el).textContent = `${ev.call}(${first}) ×${g.members.length}${span}`;
  g.el.dataset.count = g.members.length;
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
  const who = !f.is_container ? `the runtime (worker), pid ${f.pid}: no container process yet`
    : w.brk ? `the throwaway child that replays the runtime's rootfs steps, pid ${f.pid}` : `the container's process, pid ${f.pid}`;
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
  // The root: mountinfo's "/" entry, whose root field names the directory
  // of its filesystem that is this process's root (readlink of
  // /proc/PID/root would say "/" before and after pivot_root).
  const rm = f.root_mount;
  const root = rm ? `${rm.source} (${rm.fstype}), root field ${rm.root}` : '?';
  if (prev && prev.pid === f.pid && prev.root_mount && rm && (prev.root_mount.root !== rm.root || prev.root_mount.source !== rm.source)) out.push(`<span class="chg"><b>root</b> (mountinfo "/"): ${esc(prev.root_mount.source)} ${esc(prev.root_mount.root)} → ${esc(rm.source)} ${esc(rm.root)}</span>`);
  const ownUser = f.ns && HOST && HOST.host_ns && f.ns.user !== HOST.host_ns.user;
  out.push(`<span class="muted">now: CapEff ${esc(st.CapEff)}${ownUser ? ' (capabilities in the container\'s own user namespace: they count only for what that namespace owns)' : ''} · NoNewPrivs ${esc(st.NoNewPrivs)} · Seccomp ${esc(st.Seccomp)} · ${f.mount_count} mounts · hostname ${esc(f.hostname)} · / is ${esc(root)}</span>`);
  const node = factsNode(out.join('<br>'));
  node.dataset.pid = f.pid;
  node.dataset.capeff = st.CapEff || '';
  node.dataset.nnp = st.NoNewPrivs || '';
  node.dataset.seccomp = st.Seccomp || '';
  node.dataset.mounts = f.mount_count;
  node.dataset.hostname = f.hostname || '';
  node.dataset.uidmap = (f.uid_map || '').trim().replace(/\s+/g, ' ');
  node.dataset.rootfield = rm ? rm.root : '';
  node.dataset.rootsource = rm ? rm.source : '';
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
// The strings of a trace line, in order ("a", "b\"c").
function quoted(s) { return [...String(s || '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1')); }
// A word for sh: bare when safe, else in single quotes.
function shq(w) { return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${String(w).replace(/'/g, "'\\''")}'`; }
const RLIMIT = { RLIMIT_NOFILE: 'nofile', RLIMIT_NPROC: 'nproc', RLIMIT_CORE: 'core', RLIMIT_AS: 'as', RLIMIT_CPU: 'cpu', RLIMIT_DATA: 'data', RLIMIT_FSIZE: 'fsize', RLIMIT_MEMLOCK: 'memlock', RLIMIT_STACK: 'stack', RLIMIT_RTPRIO: 'rtprio', RLIMIT_NICE: 'nice', RLIMIT_MSGQUEUE: 'msgqueue', RLIMIT_SIGPENDING: 'sigpending', RLIMIT_LOCKS: 'locks', RLIMIT_RSS: 'rss', RLIMIT_RTTIME: 'rttime' };
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
    case 'fchdir': { const m = /<\/?([^>]*)>/.exec(ev.args); return m ? `cd ${shq(m[1].startsWith('/') ? m[1] : '/' + m[1])}  # by the directory fd ${ev.args.split('<')[0]}` : 'cd …  # by a directory fd'; }
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
    case 'execve': case 'execveat': {
      // "path", ["argv0", "arg1", ...]: the argv as a shell line, quoted.
      const q = quoted(ev.args);
      const argv = ev.call === 'execve' ? q.slice(1) : q.slice(1);
      return `exec ${(argv.length ? argv : q.slice(0, 1)).map(shq).join(' ')}`;
    }
    case 'prlimit64': {
      const m = /(\d+), "?(RLIMIT_\w+)"?, \{cur=(\w+), max=(\w+)\}/.exec(ev.args);
      if (!m) return `prlimit --pid PID ${ev.args}`;
      const opt = RLIMIT[m[2]] || m[2].replace('RLIMIT_', '').toLowerCase();
      const v = (x) => (x === 'RLIM_INFINITY' ? 'unlimited' : x);
      return `prlimit --pid ${m[1]} --${opt}=${v(m[3])}:${v(m[4])}`;
    }
    case 'setsid': return 'setsid';
    case 'keyctl': return 'keyctl session';
    case 'openat': case 'openat2': {
      // Flags by name (O_WRONLY|O_CREAT) or as a number: 1 = O_WRONLY, 2 = O_RDWR.
      const path = quoted(ev.args)[0] || a[1] || a[0];
      const fl = /flags=([^,}]+)/.exec(ev.args) ? /flags=([^,}]+)/.exec(ev.args)[1] : a[2] || '';
      const n = /^0x[0-9a-f]+$|^\d+$/i.test(fl) ? Number(fl) : null;
      const has = (name, bit) => new RegExp(name).test(fl) || (n !== null && (n & bit) !== 0);
      const acc = n !== null ? n & 3 : /O_RDWR/.test(fl) ? 2 : /O_WRONLY/.test(fl) ? 1 : 0;
      if (/O_PATH/.test(fl) || (n !== null && n & 0o10000000)) return `# an O_PATH handle on ${path}: no data access`;
      if (acc === 1) return `exec {fd}${has('O_APPEND', 0o2000) ? '>>' : '>'}${shq(path)}${has('O_TRUNC', 0o1000) ? '' : '  # (no O_TRUNC: the file is not emptied)'}`;
      if (acc === 2) return `exec {fd}<>${shq(path)}`;
      return `exec {fd}<${shq(path)}`;
    }
    default: return `# ${ev.call}: no single shell command`;
  }
}


$('#walk-start').addEventListener('click', walkStart);
$('#walk-next').addEventListener('click', walkNext);
$('#walk-end').addEventListener('click', walkEnd);
$('#walk-phase').addEventListener('click', walkPhase);
$('#walk-reset').addEventListener('click', walkReset);
ctl({ start: true });
}
