// Experiment 5: an image, taken apart (exp-image.c).  Index → manifest →
// config → layers as linked cards with their real JSON and every digest
// recomputed by the worker; the layers as a dive-like tree built from the
// tar entries the worker read (whiteouts read as deletions), wasted space,
// file contents, and the config's history lined up with the layers.
'use strict';
{
  let im = null;
  const short = (d) => (d ? String(d).replace(/^sha256:/, '').slice(0, 12) : '?');

  function status(s, err) { $('#im-status').textContent = s; $('#im-status').classList.toggle('err', !!err); }

  async function loadImages() {
    try {
      const info = await api('GET', '/api/modules/image');
      const sel = $('#im-image'), cur = sel.value;
      sel.innerHTML = `<option value="builtin">the built-in image (${esc(info.builtin)})</option>` +
        info.images.filter((x) => x.name !== info.builtin).map((x) => `<option value="${esc(x.name)}">${esc(x.name)}</option>`).join('');
      if ([...sel.options].some((o) => o.value === cur)) sel.value = cur;
    } catch (e) { status(e.message, true); }
  }

  async function begin(body, what) {
    if (im && im.id && live.has(im.id)) await stopExperiment(im.id);
    im = { cards: [], layers: [], files: [], config: null, sel: -1, id: null };
    $('#im-chain').innerHTML = ''; $('#im-dive').innerHTML = '';
    status(what);
    try {
      const r = await api('POST', '/api/experiments', { kind: 'image', ...body });
      im.id = r.id;
      const me = im;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); }
  }

  function onEvent(st, ev) {
    if (st !== im) return;
    switch (ev.type) {
      case 'pulling': status(`pulling ${ev.ref}…`); break;
      case 'pulled': status(`pulled as ${ev.name}; reading it back from the store…`); loadImages(); break;
      case 'image': st.image = ev; status(`${ev.name}: ${ev.layers} layers; hashing every blob again…`); break;
      case 'blob': card(st, ev); break;
      case 'files': st.files[ev.index] = ev; dive(st); break;
      case 'ready': status(`${st.image.name}: every digest recomputed just now (${$$('[data-testid=im-card][data-verified="1"]').length} of ${$$('[data-testid=im-card]').length} verified)`); break;
      case 'file': showFile(ev); break;
      case 'error': status(`${ev.where}: ${ev.message}`, true); break;
      case 'exp_end': if (ev.status === 'failed' && !$('#im-status').classList.contains('err')) status('failed', true); break;
      default: break;
    }
  }

  // ---- the chain of cards
  function linkDigests(json) {
    // Every digest in the JSON links to the card of that blob.
    return esc(JSON.stringify(json, null, 2)).replace(/sha256:[0-9a-f]{64}/g, (d) => `<a class="dgl" data-digest="${d}">${d}</a>`);
  }
  function card(st, ev) {
    const role = ev.role;
    if (role === 'layer') { st.layers[ev.index] = ev; dive(st); }
    if (role === 'config') st.config = ev.json;
    const ver = !ev.in_store ? `<div class="ver">not in the store: ${esc(ev.error || 'a pull fetches the chosen platform only')}</div>`
      : `<div class="ver ${ev.verified ? 'ok' : 'bad'}">${ev.verified ? '✓ verified' : '✗ MISMATCH'}: SHA-256 of its ${fmtBytes(ev.size)} computed now = ${esc(short(ev.computed))}… (${esc(ev.hash_us)} µs)</div>`;
    let extra = '';
    if (role === 'index') {
      const ms = (ev.json && ev.json.manifests) || [];
      extra = `<table class="im-plats" data-testid="im-platforms"><thead><tr><th>platform</th><th>manifest</th><th></th></tr></thead><tbody>${ms.map((m, i) => {
        const p = m.platform || {}, pl = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
        const x = ev.platforms[i] || {};
        return `<tr data-testid="im-platform" data-platform="${esc(pl)}" data-chosen="${x.chosen ? 1 : 0}"><td>${esc(pl)}</td><td class="dg">${esc(short(m.digest))}</td><td>${x.chosen ? `<b>chosen</b> (this host is ${esc(ev.host_platform)})` : x.in_store ? 'in the store' : 'not pulled'}</td></tr>`;
      }).join('')}</tbody></table>`;
    }
    if (role === 'layer') {
      extra = `<div class="ver ${ev.diff_id_verified ? 'ok' : 'bad'}" data-testid="im-diffid" data-verified="${ev.diff_id_verified ? 1 : 0}">${ev.diff_id_verified ? '✓' : '✗'} ${esc(ev.compression)}-decompressed tar of ${fmtBytes(ev.tar_size)}: its SHA-256 ${esc(short(ev.diff_id_computed))}… ${ev.diff_id_verified ? 'is' : 'is NOT'} the config's diff_id</div>`;
    }
    const el = document.createElement('div');
    el.className = 'card im-card';
    el.id = 'blob-' + (ev.digest || '').replace(':', '-');
    el.setAttribute('data-testid', 'im-card');
    Object.assign(el.dataset, { role, digest: ev.digest, verified: ev.verified ? 1 : 0 });
    el.innerHTML = `<h4><span class="role">${esc(role)}${role === 'layer' ? ' ' + (ev.index + 1) : ''}</span> <span class="muted">${esc(ev.media_type || (ev.json && ev.json.mediaType) || '')}</span></h4>
      <div class="dg">${esc(ev.digest)}</div>${ver}${extra}${ev.json ? `<details ${role !== 'layer' ? 'open' : ''}><summary>the JSON, as stored</summary><pre>${linkDigests(ev.json)}</pre></details>` : ''}`;
    $('#im-chain').appendChild(el);
  }

  // ---- the layers as a tree: added, changed, removed; wasted space
  function analyse(st) {
    const seen = new Map(); // path -> {size, layer, type}
    const out = [];
    let wasted = 0;
    const drop = (prefix, exact, layer) => {
      let bytes = 0;
      for (const [p, v] of seen) if (p === exact || p.startsWith(prefix)) { if (v.type === 'f') bytes += v.size; seen.delete(p); }
      return bytes;
    };
    st.files.forEach((f, i) => {
      if (!f) return;
      const rows = [];
      let added = 0, addedBytes = 0;
      for (const [p, t, size] of f.entries) {
        const slash = p.lastIndexOf('/'), dir = p.slice(0, slash) || '', base = p.slice(slash + 1);
        if (base === '.wh..wh..opq') {
          const b = drop(dir + '/', null, i);
          wasted += b;
          rows.push({ p: dir || '/', st: 'opaque', size: b, note: 'opaque: what lower layers had here is hidden' });
        } else if (base.startsWith('.wh.')) {
          const target = dir + '/' + base.slice(4);
          const b = drop(target + '/', target, i);
          wasted += b;
          rows.push({ p: target, st: 'removed', size: b, note: 'whiteout: removed' });
        } else {
          const old = seen.get(p);
          if (old && t !== 'd' && old.type === 'f') wasted += old.size;
          const stt = old ? (t === 'd' ? 'dir' : 'modified') : 'added';
          if (stt === 'added' && t !== 'd') { added++; addedBytes += t === 'f' ? size : 0; }
          seen.set(p, { size: t === 'f' ? size : 0, layer: i, type: t === 'h' ? 'h' : t });
          rows.push({ p, st: stt, size: t === 'f' ? size : 0, t });
        }
      }
      out[i] = { rows, added, addedBytes, removed: rows.filter((r) => r.st === 'removed' || r.st === 'opaque').length, modified: rows.filter((r) => r.st === 'modified').length };
    });
    return { layers: out, wasted };
  }

  function history(st) {
    const h = (st.config && st.config.history) || [];
    const byLayer = [];
    let li = 0;
    for (const e of h) {
      if (e.empty_layer) continue;
      byLayer[li++] = e;
    }
    return { byLayer, all: h };
  }

  function dive(st) {
    const n = st.image ? st.image.layers : 0;
    if (!n || st.files.filter(Boolean).length < n) return; // all layers read first
    const a = analyse(st), hist = history(st);
    if (st.sel < 0) st.sel = n - 1;
    const list = Array.from({ length: n }, (_, i) => {
      const L = st.layers[i] || {}, A = a.layers[i] || { rows: [] }, H = hist.byLayer[i];
      return `<li class="${i === st.sel ? 'sel' : ''}" data-layer="${i}" data-testid="im-layer" data-added="${A.added}" data-removed="${A.removed}" data-modified="${A.modified}">
        <b>layer ${i + 1}</b> ${esc(short(L.digest))} · ${esc(L.compression || '')} ${fmtBytes(L.size)} → tar ${fmtBytes(L.tar_size)}<br>
        +${A.added} added (${fmtBytes(A.addedBytes)}) · ~${A.modified} changed · −${A.removed} removed
        <span class="hist" data-testid="im-history">${H ? `history: ${esc(H.created_by || H.comment || '(no command)')}` : 'no history entry'}</span></li>`;
    }).join('');
    const A = a.layers[st.sel] || { rows: [] };
    const tree = A.rows.filter((r) => r.st !== 'dir').slice(0, 1500).map((r) => `<li class="${r.st}" data-path="${esc(r.p)}" data-st="${r.st}" data-testid="im-entry" title="${esc(r.note || r.st)}"><span class="st">${{ added: '+', modified: '~', removed: '−', opaque: '∅' }[r.st] || ''}</span><span>${esc(r.p)}</span><span class="sz">${r.st === 'removed' || r.st === 'opaque' ? (r.size ? `frees nothing, ${fmtBytes(r.size)} stay below` : '') : fmtBytes(r.size)}</span></li>`).join('');
    const empties = hist.all.filter((e) => e.empty_layer).length;
    $('#im-dive').innerHTML = `<div class="card"><h4>Layers, bottom first</h4><p class="im-waste" data-testid="im-wasted" data-bytes="${a.wasted}">Wasted space: <b>${fmtBytes(a.wasted)}</b> — bytes lower layers still carry for files a higher layer replaced or deleted (every layer is downloaded and stored whole).</p><ul class="im-layers">${list}</ul>
      <p class="note">${hist.all.length} history entries${empties ? `, ${empties} of them made no layer (empty_layer)` : ''}; the others are lined up with the layers in order.</p></div>
      <div class="card"><h4>Layer ${st.sel + 1}: what it does to the tree</h4><p class="note">+ added, ~ replaces a lower file, − removed by a whiteout, ∅ opaque directory. Click a file to read it from this layer's tar.</p><ul class="im-tree" data-testid="im-tree">${tree || '<li class="muted">only directories</li>'}</ul><div class="im-file" id="im-file" data-testid="im-file"></div></div>`;
  }

  function showFile(ev) {
    const box = $('#im-file');
    if (!box) return;
    box.innerHTML = `<h4>${esc(ev.path)} <span class="muted">in layer ${ev.layer + 1}${ev.size !== undefined ? `, ${fmtBytes(ev.size)}` : ''}</span></h4>${ev.error ? `<p class="bad">${esc(ev.error)}</p>` : ev.binary ? '<p class="muted">binary: not shown</p>' : `<pre data-testid="im-file-text">${esc(ev.text)}</pre>${ev.truncated ? '<p class="note">(the first 64 KiB)</p>' : ''}`}`;
  }

  $('#im-open').addEventListener('click', () => begin({ image: $('#im-image').value }, 'reading the image from the store…'));
  $('#im-pull').addEventListener('click', () => {
    const ref = $('#im-ref').value.trim();
    if (!ref) { status('name an image to pull (registry/name:tag)', true); return; }
    begin({ pull: ref, tls_verify: !$('#im-insecure').checked }, `pulling ${ref}…`);
  });
  $('#im-dive').addEventListener('click', (e) => {
    const l = e.target.closest('.im-layers li[data-layer]');
    if (l && im) { im.sel = Number(l.dataset.layer); dive(im); return; }
    const f = e.target.closest('.im-tree li[data-path]');
    if (f && im && im.id && (f.dataset.st === 'added' || f.dataset.st === 'modified')) action(im.id, { op: 'cat', layer: im.sel, path: f.dataset.path }, $('#im-status'));
  });
  $('#im-chain').addEventListener('click', (e) => {
    const a = e.target.closest('a.dgl');
    if (!a) return;
    const c = document.getElementById('blob-' + a.dataset.digest.replace(':', '-'));
    if (c) { c.scrollIntoView({ block: 'center' }); c.classList.add('flash'); setTimeout(() => c.classList.remove('flash'), 1200); }
  });
  onTabShown('image', loadImages);
  document.addEventListener('DOMContentLoaded', loadImages);
}
