// Experiment 6: the chain (exp-chain.c).  The process tree as the worker
// read it from /proc (each appear, exec, reparent and exit), each link's
// trace beside it, the claims as the kernel answered them, and the
// bundle's config.json with each field linked to the trace steps that
// name it ("<- FIELD" in the runtime's trace).
'use strict';
{
  let ch = null;
  function status(s, err) { $('#ch-status').textContent = s; $('#ch-status').classList.toggle('err', !!err); }

  function renderTree(st) {
    const kids = new Map();
    for (const p of st.procs.values()) {
      const parent = st.procs.has(p.ppid) ? p.ppid : 0;
      if (!kids.has(parent)) kids.set(parent, []);
      kids.get(parent).push(p);
    }
    const ns = (n) => (n ? `pid:${n.pid} mnt:${n.mnt} net:${n.net} uts:${n.uts}` : '');
    const node = (p) => `<li class="${p.gone ? 'gone' : ''}" data-testid="ch-proc" data-pid="${p.pid}" data-ppid="${p.ppid}" data-role="${esc(p.role)}" data-comm="${esc(p.comm)}" data-gone="${p.gone ? 1 : 0}">` +
      `<span class="row"><span class="role">${esc(p.role)}</span> ${esc(p.comm)} <b>${p.pid}</b> ← ${p.ppid}</span>` +
      `<span class="meta">${esc(p.cmdline || '')}</span><span class="meta">${esc(ns(p.ns))}${p.cgroup ? ' · cgroup ' + esc(p.cgroup) : ''}</span>` +
      `<span class="meta">seen ${p.first} ms${p.gone ? `, gone at ${p.last} ms (lived ${p.last - p.first} ms)` : ', running'}${p.moves ? ', reparented' : ''}</span>` +
      `${kids.has(p.pid) ? `<ul>${kids.get(p.pid).map(node).join('')}</ul>` : ''}</li>`;
    $('#ch-tree').innerHTML = `<li><span class="row"><span class="role">lab worker</span> <b>${st.worker || '?'}</b> (a subreaper)</span><ul>${(kids.get(0) || []).map(node).join('')}</ul></li>`;
  }

  function proc(st, ev) {
    const old = st.procs.get(ev.pid);
    if (ev.event === 'appear') st.procs.set(ev.pid, { ...(old || {}), ...ev, first: old ? old.first : ev.ms, gone: false });
    else if (old && ev.event === 'exit') Object.assign(old, { gone: true, last: ev.ms });
    else if (old && ev.event === 'reparent') Object.assign(old, { ppid: ev.ppid, moves: (old.moves || 0) + 1 });
    renderTree(st);
  }

  function trace(st, ev) {
    const li = document.createElement('li');
    li.dataset.link = ev.link;
    li.setAttribute('data-testid', 'ch-trace');
    if (ev.link === 'engine') {
      const e = ev.event;
      li.textContent = e.type === 'note' ? `[${e.phase}] ${e.call}: ${e.args}` : `[${e.phase}] ${e.pid} ${e.call}(${e.args}) = ${e.errno ? e.errname : e.result}`;
    } else {
      li.textContent = ev.text;
      if (ev.field) { li.dataset.field = ev.field; st.fields.push(ev); }
    }
    $(`#ch-tr-${ev.link}`).appendChild(li);
  }

  // config.json, two levels deep, each path with the trace steps naming it.
  function config(st, ev) {
    st.config = ev.config;
    $('#ch-config-path').textContent = ev.path;
    const rows = [];
    const short = (v) => { const s = JSON.stringify(v); return s.length > 120 ? s.slice(0, 117) + '…' : s; };
    for (const [k, v] of Object.entries(ev.config || {})) {
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) rows.push([`${k}.${k2}`, v2]);
      else rows.push([k, v]);
    }
    st.rows = rows;
    drawConfig(st);
  }
  function drawConfig(st) {
    if (!st.rows) return;
    const steps = (p) => st.fields.filter((f) => f.field === p || f.field.startsWith(p + '.') || f.field.startsWith(p + '['));
    $('#ch-config').innerHTML = st.rows.map(([p, v]) => {
      const n = steps(p).length;
      return `<div class="f" data-testid="ch-field" data-path="${esc(p)}" data-steps="${n}"><span class="k">${esc(p)}</span><span class="v">${esc(JSON.stringify(v).slice(0, 160))}</span>${n ? `<a data-path="${esc(p)}">${n} trace step${n > 1 ? 's' : ''}</a>` : '<span class="muted">—</span>'}</div>`;
    }).join('');
    for (const a of $$('#ch-config a')) a.addEventListener('click', () => {
      $('#ch-field-steps').innerHTML = `<p><b>${esc(a.dataset.path)}</b> asked for:</p><ol>${steps(a.dataset.path).map((f) => `<li>${esc(f.text)}</li>`).join('')}</ol>`;
    });
  }

  function claim(ev) {
    const card = document.createElement('div');
    card.className = 'card';
    card.setAttribute('data-testid', 'ch-claim');
    Object.assign(card.dataset, { id: ev.id || ev.what, held: ev.held === undefined ? '' : ev.held ? '1' : '0' });
    const title = { 'no-daemon': 'No client and no runtime while the container runs; its log grows', 'kill-init': 'Its pid 1 killed: the shim records the exit',
      'kill-server': 'The API server killed: the container runs on' }[ev.id] || ev.what;
    card.innerHTML = `<h4>${esc(title)}</h4>` + (ev.command ? `<pre>${esc(ev.command)}</pre><p>exit ${esc(ev.exit)}</p><pre data-testid="ch-stdout">${esc(ev.stdout)}</pre>` :
      `<p class="${ev.held ? 'held' : 'not'}">${ev.held ? 'so it is' : 'not so'}: ${esc(ev.text)}</p>` + (ev.status_json ? `<pre>${esc(ev.path)}\n${esc(JSON.stringify(ev.status_json, null, 2))}</pre>` : ''));
    $('#ch-claims').prepend(card);
  }

  function buttons(on) {
    for (const id of ['#ch-nodaemon', '#ch-kill', '#ch-ps', '#ch-end']) $(id).disabled = !on;
    $('#ch-run').disabled = on;
    $('#ch-killserver').disabled = !(on && ch && ch.server);
    $('#ch-restartserver').disabled = !(on && ch && ch.docker && !ch.server);
  }

  function onEvent(st, ev) {
    if (st !== ch) return;
    switch (ev.type) {
      case 'started': st.worker = ev.worker_pid; break;
      case 'watching': st.docker = ev.client === 'docker'; status(`following the tree through ${ev.how}; the client: ${ev.client}`); break;
      case 'server': st.server = ev.up ? ev.pid : 0; if (st.ready) buttons(true); break;
      case 'proc': proc(st, ev); break;
      case 'trace': trace(st, ev); if (st.rows && ev.field) drawConfig(st); break;
      case 'client': claim(ev); status(`${ev.command.slice(0, 60)}…: exit ${ev.exit}`); break;
      case 'ready': st.ready = true; buttons(true); status(`running: pid 1 is ${ev.init}, its shim ${ev.shim}`); break;
      case 'config': config(st, ev); break;
      case 'claim':
        if (ev.id === 'kill-server') { st.server = 0; buttons(true); }
        claim(ev); status(ev.held ? 'so it is' : 'not so', !ev.held); break;
      case 'error': status(`${ev.where}: ${ev.message}`, true); break;
      case 'exp_end': buttons(false); break;
      default: break;
    }
  }

  async function run() {
    if (ch && live.has(ch.id)) await stopExperiment(ch.id);
    for (const id of ['#ch-tree', '#ch-claims', '#ch-config', '#ch-field-steps', '#ch-tr-engine', '#ch-tr-shim', '#ch-tr-runtime']) $(id).innerHTML = '';
    status('starting…');
    try {
      const r = await api('POST', '/api/experiments', { kind: 'chain' });
      ch = { id: r.id, procs: new Map(), fields: [], worker: r.worker_pid };
      const me = ch;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); }
  }
  const op = (o) => () => ch && action(ch.id, { op: o }, $('#ch-status'));
  $('#ch-run').addEventListener('click', run);
  $('#ch-nodaemon').addEventListener('click', op('no-daemon'));
  $('#ch-kill').addEventListener('click', op('kill-init'));
  $('#ch-killserver').addEventListener('click', op('kill-server'));
  $('#ch-restartserver').addEventListener('click', op('restart-server'));
  $('#ch-ps').addEventListener('click', op('ps'));
  $('#ch-end').addEventListener('click', op('end'));
}
