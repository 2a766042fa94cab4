// Experiment 7: security layers under attack (exp-security.c).  The matrix
// of attacks × configurations, filled in as the worker's containers report;
// each refused cell names the layer found by removing one layer at a time.
// The attack-vector table is the auditor's judgement of an edited config.
'use strict';
{
  let sec = null;
  const cells = new Map(); // "attack/column" -> cell event
  function status(s, err) { $('#sec-status').textContent = s; $('#sec-status').classList.toggle('err', !!err); }

  const HOW = {
    single: (e) => `removing ${e.layers.join(' or ')} alone lets it through`,
    'each-alone': (e) => `defence in depth: ${e.layers.join(' and ')} each stop it alone` +
      (e.layers[0] === 'seccomp' ? ' (seccomp answers first: its filter runs at syscall entry)' : ''),
    first: (e) => `${e.layers.join(' or ')} answers first; with every layer removed the kernel itself still refuses it (${e.open})`,
    host: (e) => 'refused even with every layer removed: this kernel itself' +
      ({ ENOSYS: ' (the call is not built into it)', ENOENT: ' (the file does not exist in it)' }[e.outcome] || ''),
  };

  function matrix(ev) {
    const t = $('#sec-matrix');
    t.innerHTML = `<thead><tr><th>attack</th>${ev.columns.map((c) => `<th title="${esc(c.layers)}">${esc(c.title)}<code>${esc(c.flag)}</code></th>`).join('')}</tr></thead><tbody>` +
      ev.attacks.map((a) => `<tr><th class="att">${esc(a.title)}<span class="muted">${esc(a.why)}</span></th>${ev.columns.map((c) => `<td class="cell pending" data-testid="sec-cell" data-attack="${esc(a.name)}" data-column="${esc(c.id)}">…</td>`).join('')}</tr>`).join('') + '</tbody>';
    for (const td of $$('td.cell', t)) td.addEventListener('click', () => detail(td.dataset.attack, td.dataset.column));
  }

  function cell(ev) {
    cells.set(ev.attack + '/' + ev.column, ev);
    const td = $(`td.cell[data-attack="${ev.attack}"][data-column="${ev.column}"]`);
    if (!td) return;
    td.classList.remove('pending');
    td.classList.toggle('allowed', ev.allowed);
    td.classList.toggle('denied', !ev.allowed);
    td.dataset.allowed = ev.allowed ? '1' : '0';
    td.dataset.errname = ev.allowed ? '' : ev.outcome;
    td.dataset.layer = ev.layer || '';
    td.classList.toggle('pending', !ev.allowed && !ev.layer);
    td.classList.toggle('host', ev.layer === 'host');
    td.innerHTML = ev.allowed ? 'allowed' : `<span class="en">${esc(ev.outcome)}</span><span class="ly">${esc(ev.layer === 'host' ? 'not on this host' : ev.how === 'each-alone' ? ev.layers.join(' + ') : ev.layer || 'finding the layer…')}</span>`;
    if (ev.layer === 'host') td.title = HOW.host(ev);
  }

  // A configuration this host could not make: its column says why.
  function unavailable(ev, why) {
    for (const td of $$(`td.cell[data-column="${ev.column}"]`)) {
      td.className = 'cell host';
      td.dataset.layer = 'unavailable';
      td.dataset.allowed = '0';
      td.textContent = 'cannot run here';
      td.title = why || 'the container of this configuration could not be made on this host';
    }
  }

  // What the doctor found that bears on the matrix: no LSM, no user namespaces.
  onHost((host) => {
    const checks = (host.doctor && host.doctor.checks) || [];
    const lsm = checks.find((c) => c.id === 'lsm');
    if (lsm) $('#sec-lsm').innerHTML = lsm.status === 'ok'
      ? `LSMs here: ${esc(lsm.result)}. The lab sets no LSM profile, so a refusal that none of the layers above explains may come from one.`
      : `No AppArmor or SELinux on this host (${esc(lsm.result)}): no refusal in this matrix can come from an LSM, so the matrix has no LSM layer. ${esc(lsm.fix)}.`;
  });

  function detail(attack, column) {
    const ev = cells.get(attack + '/' + column);
    $$('td.cell.sel').forEach((x) => x.classList.remove('sel'));
    const td = $(`td.cell[data-attack="${attack}"][data-column="${column}"]`);
    if (td) td.classList.add('sel');
    if (!ev) return;
    const r = ev.result || {};
    const kv = (o) => Object.entries(o || {}).map(([k, v]) => `${esc(k)}: <b>${esc(v)}</b>`).join(', ');
    $('#sec-detail').innerHTML = `<p><code>${esc(r.call)}</code> = ${r.allowed ? 'allowed' : esc(ev.outcome)}${r.detail ? ' — ' + esc(r.detail) : ''}</p>` +
      (r.host_owner ? `<p>the host now sees the file owned by <b>${esc(r.host_owner)}</b></p>` : '') +
      (r.host_peer ? `<p>the host's socket accepted a connection from pid <b>${esc(r.host_peer.pid)}</b> (uid ${esc(r.host_peer.uid)} on the host)</p>` : '') +
      (ev.how ? `<p><b>${esc(ev.layer)}</b>: ${esc(HOW[ev.how] ? HOW[ev.how](ev) : ev.how)}</p>` : '') +
      (ev.removals ? `<p>one layer removed: ${kv(ev.removals)}</p>` : '') +
      (ev.alone ? `<p>one layer alone: ${kv(ev.alone)}</p>` : '') +
      (ev.open ? `<p>every layer removed: <b>${esc(ev.open)}</b></p>` : '');
  }

  async function run() {
    if (sec && live.has(sec.id)) await stopExperiment(sec.id);
    cells.clear();
    $('#sec-detail').innerHTML = '';
    status('starting…');
    try {
      const r = await api('POST', '/api/experiments', { kind: 'security' });
      sec = { id: r.id, runs: 0 };
      const me = sec;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); }
  }

  function onEvent(st, ev) {
    if (st !== sec) return;
    switch (ev.type) {
      case 'matrix': matrix(ev); status(ev.block_device ? `the host's disk ${ev.block_device} is the mknod target` : 'this host has no block device: the mknod attack has no target'); break;
      case 'cell': cell(ev); break;
      case 'run': st.runs++; status(`${st.runs} configurations run (two containers each): ${ev.label}`); break;
      case 'error': st.lastError = `${ev.where}: ${ev.message}`; status(st.lastError, true); break;
      case 'unavailable': unavailable(ev, st.lastError); break;
      case 'done': status(ev.ok ? `done: ${st.runs} configurations, each a real container` : 'failed', !ev.ok); break;
      default: break;
    }
  }

  async function audit() {
    const body = { kind: 'security-audit' };
    for (const c of $$('.sec-audit-form input[type=checkbox]')) body[c.dataset.key] = c.checked;
    try {
      const r = await api('POST', '/api/experiments', body);
      follow(r.id, (ev) => { if (ev.type === 'audit') vectors(ev); });
    } catch (e) { status(e.message, true); }
  }

  function vectors(ev) {
    const fs = ev.report.findings || [];
    $('#sec-config').textContent = JSON.stringify(ev.config, null, 2);
    $('#sec-vectors').innerHTML = '<tr><th>vector</th><th>in this config</th><th>the audit\'s finding</th></tr>' + ev.vectors.map((v) => {
      const hits = fs.filter((f) => v.findings.split(' ').includes(f.id));
      const cellHtml = hits.length ? hits.map((f) => `<div class="sev-${esc(f.severity)}" data-testid="sec-finding" data-id="${esc(f.id)}">${esc(f.severity)} · <code>${esc(f.field)}</code>: ${esc(f.risk)}<br><span class="muted">fix: ${esc(f.fix)}</span></div>`).join('')
        : '<span class="sev-ok">no finding</span>';
      return `<tr data-testid="sec-vector" data-key="${esc(v.key)}" data-on="${v.on ? 1 : 0}" data-findings="${esc(hits.map((f) => f.id).join(' '))}"><td>${esc(v.title)}<br><code>${esc(v.flag)}</code></td><td>${v.on ? 'yes' : 'no'}</td><td>${cellHtml}</td></tr>`;
    }).join('');
  }

  $('#sec-run').addEventListener('click', run);
  $('#sec-audit').addEventListener('click', audit);
}
