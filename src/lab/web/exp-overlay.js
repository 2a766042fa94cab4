// Experiment 4: overlay, layers live (exp-overlay.c).  The layers of a real
// overlay mount as columns (upper first), the merged view beside them,
// actions done by the container's process, each followed by a fresh read.
'use strict';
{
  let ov = null;
  const TYPES = { f: 'file', d: 'directory', l: 'symlink', w: 'whiteout (character device 0:0)', c: 'character device', b: 'block device', p: 'fifo' };
  const EXPLAIN = {
    write: (r, a) => r.ret === 0 ? `the first open for writing took <b>${(r.first_us / 1000).toFixed(3)} ms</b>, the second <b>${(r.second_us / 1000).toFixed(3)} ms</b> (file of ${fmtBytes(r.size)}).${a.path.startsWith('/volume/') ? ' The volume is a bind mount, not part of the overlay: nothing is copied, the write goes straight to the host directory.' : ' The first one copied the whole file up from its lower layer into the upper one (copy_up), the second found it there.'}` : '',
    delete: (r) => r.ret === 0 ? 'The lower file cannot be removed (its layer is read-only): the upper layer now has a <b>whiteout</b> of that name, a character device 0:0, which hides it.' : '',
    'rmtree-mkdir': (r) => r.ret === 0 ? `Removed ${r.removed} names (each a whiteout, until the directory itself is whited out), then made the directory again: the new one is <b>opaque</b> (trusted.overlay.opaque=y), so the lookup no longer looks into the lower layers' directory of that name.` : '',
    rename: (r) => r.ret === 0 ? 'rename(2) of a directory that lives in a lower layer worked: with <code>redirect_dir=on</code> the upper layer gets a directory carrying <b>trusted.overlay.redirect</b>, the name its lower half really has.' : (r.errname === 'EXDEV' ? 'rename(2) of a directory from a lower layer fails with <b>EXDEV</b> when <code>redirect_dir=off</code>: overlay cannot move a lower directory, so it answers as if it crossed filesystems; <code>mv</code> would fall back to copying it all. Start again with redirect_dir=on to see the other way.' : ''),
    link: (r) => r.ret === 0 ? 'A hard link to a lower file copies the file up first (both names now in the upper layer). With <code>index=on</code> overlay also records the copy in the work directory\'s index, named by the lower file\'s handle, so its other lower names can find the same copy.' : '',
  };

  function status(s, err) { $('#ov-status').textContent = s; $('#ov-status').classList.toggle('err', !!err); }
  function buttons(running) {
    // Start stays: it stops the running one and builds anew (other options).
    $('#ov-start').disabled = false; $('#ov-stop').disabled = !running; $('#ov-do').disabled = !running;
    $$('.ov-lessons button').forEach((b) => { b.disabled = !running; });
  }

  async function loadImages() {
    try {
      const info = await api('GET', '/api/modules/overlay');
      const sel = $('#ov-image'), cur = sel.value;
      sel.innerHTML = `<option value="builtin">the built-in image (${esc(info.builtin)})</option>` +
        info.images.filter((x) => x.name !== info.builtin).map((x) => `<option value="${esc(x.name)}">${esc(x.name)}</option>`).join('');
      if ([...sel.options].some((o) => o.value === cur)) sel.value = cur;
    } catch (e) { status(e.message, true); }
  }

  async function start() {
    if (ov && ov.id && live.has(ov.id)) await stopExperiment(ov.id);
    ov = { roles: [], lists: [], merged: null, index: null, prev: new Map(), id: null };
    $('#ov-layers').innerHTML = ''; $('#ov-results').innerHTML = ''; $('#ov-lookup').innerHTML = ''; $('#ov-mount').textContent = '';
    status('building the layers and mounting the overlay…');
    buttons(true); $('#ov-start').disabled = true; $('#ov-do').disabled = true; $$('.ov-lessons button').forEach((b) => { b.disabled = true; });
    try {
      const r = await api('POST', '/api/experiments', { kind: 'overlay', image: $('#ov-image').value, big_mb: Number($('#ov-big').value), redirect_dir: $('#ov-redirect').checked, index: $('#ov-index').checked });
      ov.id = r.id;
      const me = ov;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); buttons(false); }
  }

  async function doIt(op, path) {
    if (!ov || !ov.id) return;
    status(`${op} ${path}…`);
    await action(ov.id, { op, path }, $('#ov-status'));
  }

  function onEvent(st, ev) {
    if (st !== ov) return;
    switch (ev.type) {
      case 'end': if (ev.call === 'mount' && /overlay/.test(ev.args)) $('#ov-mount').textContent = `mount(${ev.args}) = ${ev.errno ? '-1 ' + ev.errname : ev.result}`; break;
      case 'image': st.image = ev; break;
      case 'layers': st.roles = ev.roles; st.options = ev.options; break;
      case 'layer':
        // What is new since the last read of this layer is highlighted.
        if (st.lists[ev.index]) st.prev.set(ev.index, new Set(st.lists[ev.index].entries.map(entryKey)));
        st.lists[ev.index] = ev.list; render(st); break;
      case 'merged': st.merged = ev.list; render(st); break;
      case 'index': st.index = ev.list; render(st); break;
      case 'running': $('#ov-layers').dataset.running = st.id; buttons(true); status(`a container runs on the merged mount (${st.options}); its process is pid ${ev.init_pid} on the host`); break;
      case 'action': result(st, ev); break;
      case 'error': status(`${ev.where}: ${ev.message}`, true); break;
      case 'stopped': status('stopped: ' + ev.reason); break;
      case 'exp_end': buttons(false); if (ev.status === 'failed') status($('#ov-status').textContent || 'failed', true); else if (ev.status !== 'stopped') status('ended; the container, its mount and its layers are gone'); break;
      default: break;
    }
  }

  function result(st, ev) {
    if (ev.op === 'lookup') { lookup(st, ev.lookup); status(`looked up ${ev.path}`); return; }
    const r = ev.result || { ret: -1, errname: 'no answer from the container' };
    const li = document.createElement('li');
    li.dataset.testid = 'ov-result';
    li.setAttribute('data-testid', 'ov-result');
    Object.assign(li.dataset, { op: ev.op, path: ev.path, ret: r.ret, errname: r.errname || '', firstUs: r.first_us ?? '', secondUs: r.second_us ?? '' });
    const expl = EXPLAIN[ev.op] ? EXPLAIN[ev.op](r, ev) : '';
    li.innerHTML = `<span class="t">${esc(r.op || ev.op)}(${esc(ev.path)}${r.to ? ', ' + esc(r.to) : ''}) = ${r.ret === 0 ? '0' : `-1 <b class="bad">${esc(r.errname)}</b> (${esc(r.error || '')})`}</span> ${expl}`;
    $('#ov-results').prepend(li);
    status(`${ev.op} ${ev.path}: ${r.ret === 0 ? 'done' : r.errname}; the layers below were read again`);
  }

  function lookup(st, L) {
    const names = (i) => (i === 0 ? 'the upper layer' : st.roles[i] === 'lab' ? 'the lab\'s layer' : `image layer ${st.roles.length - i} of ${st.roles.length - 2} (from the bottom)`);
    const steps = L.steps.map((s) => `<li>${esc(names(s.layer))}: ${esc(s.looked_for)} — ${esc(s.result)}${s.at && s.at !== s.looked_for ? ` (at ${esc(s.at)})` : ''}${s.redirect ? ` → redirected to ${esc(s.redirect)}` : ''}</li>`).join('');
    let verdict;
    if (L.layer === null || L.layer === undefined) verdict = `<b>not in the merged view</b>${L.merged_errname ? ` — and the kernel agrees: ${esc(L.merged_errname)}` : ''}`;
    else if (L.merged_from && L.merged_from.length > 1) verdict = `<b>a directory merged from ${L.merged_from.map(names).join(', ')}</b>`;
    else verdict = `<b>from ${esc(names(L.layer))}</b>; ${L.inode_matches ? `the merged view shows that file's own inode ${esc(L.merged_inode)}` : L.inode_of_layer !== undefined ? `the merged view shows inode ${esc(L.merged_inode)}, the number of the file it was copied up from in ${esc(names(L.inode_of_layer))} (overlay keeps it, from trusted.overlay.origin)` : `the merged view shows inode ${esc(L.merged_inode)}`}`;
    $('#ov-lookup').innerHTML = `<div class="ov-lookup" data-testid="ov-lookup-result" data-layer="${L.layer ?? ''}" data-role="${L.layer !== null && L.layer !== undefined ? esc(st.roles[L.layer]) : ''}"><b>${esc(L.path)}</b>: looked up as overlay does, upper first:<ol>${steps}</ol>${verdict}</div>`;
    $$('.ov-col').forEach((c) => c.classList.toggle('hit', Number(c.dataset.index) === L.layer));
  }

  // ---- the columns
  const entryKey = (e) => `${e[0]}|${e[1]}|${e[2]}|${e[5]}`;
  function entries(list, all) {
    const f = all ? '' : $('#ov-filter').value.trim();
    return (list ? list.entries : []).filter((e) => !f || e[0] === f || e[0].startsWith(f.endsWith('/') ? f : f + '/'))
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  function colHtml(title, sub, cls, list, idx, testid, prev) {
    const rows = entries(list, idx === -2).slice(0, 600).map((e) => {
      const [p, t, size, nlink, ino, marks] = e;
      const key = entryKey(e);
      const fresh = prev && !prev.has(key);
      return `<li class="${t === 'w' ? 'w' : ''}${fresh ? ' new' : ''}" data-path="${esc(p)}" data-type="${t}" data-size="${size}" data-marks="${esc(marks)}" data-ino="${ino}" title="${esc(TYPES[t] || t)}, inode ${ino}, ${nlink} link(s)"><span class="ty">${t}</span><span>${esc(p)}</span>${marks ? `<span class="mk">${esc(marks)}</span>` : ''}<span class="sz">${t === 'f' ? fmtBytes(size) : t === 'w' ? '0:0' : ''}</span></li>`;
    }).join('');
    const n = list ? list.entries.length : 0;
    return `<section class="ov-col ${cls}" data-index="${idx}" data-testid="${testid}"><header>${title}<span class="muted">${sub} · ${n} names${list && list.truncated ? ' (cut at 4000)' : ''}</span></header><ul class="ov-list">${rows || '<li class="muted">nothing here under this path</li>'}</ul></section>`;
  }
  function render(st) {
    if (!st.roles.length) return;
    const cols = [];
    st.roles.forEach((role, i) => {
      const list = st.lists[i];
      const title = i === 0 ? 'upper (the container\'s own, writable)' : role === 'lab' ? 'lower: the lab\'s layer' : `lower: image layer ${st.roles.length - i}`;
      const sub = i === 0 ? 'looked in first' : role === 'lab' ? 'made by the lab: /data' : `${(st.image && st.image.name) || ''}`;
      const prevSet = st.prev.get(i);
      cols.push(colHtml(title, sub, i === 0 ? 'upper' : 'lower', list, i, `ov-layer-${i}`, prevSet));
    });
    cols.push(colHtml('merged: what the container sees', 'readdir of the overlay mount', 'merged', st.merged, -1, 'ov-merged', null));
    if (st.index) cols.push(colHtml('index (work/index)', 'copies recorded by lower file handle', 'lower', st.index, -2, 'ov-indexdir', null));
    $('#ov-layers').innerHTML = cols.join('');
  }

  $('#ov-start').addEventListener('click', start);
  $('#ov-stop').addEventListener('click', () => { if (ov && ov.id) stopExperiment(ov.id); buttons(false); status('stopped'); });
  $('#ov-do').addEventListener('click', () => doIt($('#ov-op').value, $('#ov-path').value.trim()));
  $$('.ov-lessons button').forEach((b) => b.addEventListener('click', () => doIt(b.dataset.op, b.dataset.path)));
  $('#ov-filter').addEventListener('input', () => { if (ov) render(ov); });
  $('#ov-layers').addEventListener('click', (e) => {
    const li = e.target.closest('.ov-col.merged li[data-path]');
    if (li) doIt('lookup', li.dataset.path);
  });
  buttons(false);
  onTabShown('overlay', loadImages);
  document.addEventListener('DOMContentLoaded', loadImages);
}
