// Experiment 2: a container, one syscall at a time (exp-walkthrough.c).
// The runtime's step mode, the plan, the facts after each step, break it.
'use strict';
{
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


$('#walk-start').addEventListener('click', walkStart);
$('#walk-next').addEventListener('click', walkNext);
$('#walk-end').addEventListener('click', walkEnd);
$('#walk-reset').addEventListener('click', walkReset);
ctl({ start: true });
}
