// Experiment 8: the network, hop by hop (exp-network.c).  Each step the
// engine took (a namespace, a CNI plugin's ADD or DEL, an /etc/hosts) as a
// card: its command, why, what changed in the kernel since the step before
// (read from ip -j link/addr/route of every namespace and iptables-save),
// and the whole view.  A GET's path is the interfaces and rules whose
// counters moved while it ran.
'use strict';
{
  let net = null;
  function status(s, err) { $('#net-status').textContent = s; $('#net-status').classList.toggle('err', !!err); }
  const arr = (x) => (Array.isArray(x) ? x : []);

  // The kernel's view as lines, so two views can be compared.
  function lines(view) {
    const out = [];
    for (const [ns, v] of Object.entries(view)) {
      if (ns === 'rules') continue;
      for (const l of arr(v.link)) {
        const kind = (l.linkinfo && l.linkinfo.info_kind) || '';
        out.push(`link ${ns}: ${l.ifname}${kind ? ' (' + kind + ')' : ''} ${l.operstate}${l.master ? ' master ' + l.master : ''}${l.link_netnsid !== undefined ? ' peer in netns ' + l.link_netnsid : ''}`);
      }
      for (const a of arr(v.addr))
        for (const i of arr(a.addr_info))
          if (!(i.family === 'inet6' && i.scope === 'link')) out.push(`addr ${ns}: ${a.ifname} ${i.family} ${i.local}/${i.prefixlen}`);
      for (const r of arr(v.route)) out.push(`route ${ns}: ${r.dst}${r.gateway ? ' via ' + r.gateway : ''} dev ${r.dev}`);
    }
    let table = '';
    for (const l of String((view.rules && view.rules.iptables) || '').split('\n')) {
      if (l.startsWith('*')) table = l.slice(1);
      else if (l.startsWith('-A ')) out.push(`rule ${table}: ${l}`);
    }
    return out;
  }

  function changes(prev, cur) {
    const a = new Set(prev), b = new Set(cur);
    return [...cur.filter((x) => !a.has(x)).map((x) => ['add', x]), ...prev.filter((x) => !b.has(x)).map((x) => ['del', x])];
  }

  function nsTable(ns, v) {
    const addrs = (ifn) => arr(v.addr).filter((a) => a.ifname === ifn).flatMap((a) => arr(a.addr_info).map((i) => `${i.local}/${i.prefixlen}`)).join(' ');
    return `<table class="net-ns" data-testid="net-ns" data-ns="${esc(ns)}"><tr><th colspan="4">${esc(ns === 'host' ? "the lesson's host" : ns)}</th></tr>` +
      arr(v.link).map((l) => `<tr><td>${esc(l.ifname)}</td><td>${esc((l.linkinfo && l.linkinfo.info_kind) || '')}${l.master ? ' → ' + esc(l.master) : ''}</td><td>${esc(l.operstate)}</td><td>${esc(addrs(l.ifname))}</td></tr>`).join('') +
      arr(v.route).map((r) => `<tr><td colspan="4">route ${esc(r.dst)}${r.gateway ? ' via ' + esc(r.gateway) : ''} dev ${esc(r.dev)}</td></tr>`).join('') + '</table>';
  }

  function stepCard(st, ev) {
    const cur = lines(ev.view);
    const diff = changes(st.prev || [], cur);
    st.prev = cur;
    const li = document.createElement('li');
    li.className = ev.phase;
    li.dataset.testid = 'net-step';
    Object.assign(li.dataset, { n: ev.n, what: ev.what, container: ev.container || '', phase: ev.phase, plugin: ev.plugin || '' });
    li.setAttribute('data-testid', 'net-step');
    const views = Object.entries(ev.view).filter(([k]) => k !== 'rules').map(([k, v]) => nsTable(k, v)).join('');
    li.innerHTML = `<h4><span class="n">${ev.n}.</span>${esc(ev.title)}${ev.container ? `<span class="ctr">${esc(ev.container)}</span>` : ''}</h4>` +
      `<pre class="cmd">${esc(ev.command)}</pre><p class="why">${esc(ev.why)}</p>` +
      (ev.status ? `<p class="status err">the plugin exited with status ${esc(ev.status)}</p>` : '') +
      `<ul class="net-changes">${diff.length ? diff.map(([k, x]) => `<li class="${k}" data-testid="net-change" data-kind="${k}">${k === 'add' ? '+' : '−'} ${esc(x)}</li>`).join('') : '<li class="muted">nothing changed in the kernel</li>'}</ul>` +
      (ev.pid ? `<p class="why">pid ${esc(ev.pid)}: /proc/${esc(ev.pid)}/ns/net is inode ${esc(ev.ns_inode)}, the bound file's is ${esc(ev.file_inode)}</p>` : '') +
      (ev.file ? `<details><summary>the file</summary><pre>${esc(ev.file)}</pre></details>` : '') +
      (ev.conflist ? `<details><summary>the conflist</summary><pre>${esc(JSON.stringify(ev.conflist, null, 2))}</pre></details>` : '') +
      (ev.stdin ? `<details><summary>the plugin's stdin and stdout</summary><pre>${esc(JSON.stringify(ev.stdin, null, 2))}</pre><pre>${esc(typeof ev.stdout === 'string' ? ev.stdout : JSON.stringify(ev.stdout, null, 2))}</pre></details>` : '') +
      `<details><summary>the kernel after it</summary>${views}<pre data-testid="net-iptables">${esc(ev.view.rules.iptables)}</pre><pre>${esc(ev.view.rules.nft)}</pre></details>`;
    $('#net-steps').appendChild(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  // Packet counters of every interface, by namespace, and each rule's hits.
  function packets(c) {
    const m = new Map();
    for (const [ns, links] of Object.entries(c)) {
      if (ns === 'rules') continue;
      for (const l of arr(links)) {
        const s = l.stats64 || {};
        m.set(`${ns} ${l.ifname}`, { ns, ifname: l.ifname, rx: (s.rx || {}).packets || 0, tx: (s.tx || {}).packets || 0 });
      }
    }
    return m;
  }
  function ruleHits(text) {
    const m = new Map();
    let table = '';
    for (const l of String(text || '').split('\n')) {
      if (l.startsWith('*')) table = l.slice(1);
      const r = /^\[(\d+):\d+\] (-A .*)$/.exec(l);
      if (r) m.set(`${table}: ${r[2]}`, Number(r[1]));
    }
    return m;
  }

  function path(ev) {
    const b = packets(ev.before), a = packets(ev.after);
    const order = ev.kind === 'peer' ? ['alpha', 'host', 'beta'] : ['host', 'beta'];
    const hops = [...a.values()].map((x) => ({ ...x, drx: x.rx - ((b.get(`${x.ns} ${x.ifname}`) || {}).rx || 0), dtx: x.tx - ((b.get(`${x.ns} ${x.ifname}`) || {}).tx || 0) }))
      .filter((x) => x.drx > 0 || x.dtx > 0).sort((x, y) => order.indexOf(x.ns) - order.indexOf(y.ns));
    const rb = ruleHits(ev.before.rules), ra = ruleHits(ev.after.rules);
    const hits = [...ra.entries()].map(([k, v]) => [k, v - (rb.get(k) || 0)]).filter(([, d]) => d > 0);
    const route = arr(ev.route)[0] || {};
    const card = document.createElement('div');
    card.className = 'card';
    card.dataset.testid = 'net-path';
    card.setAttribute('data-testid', 'net-path');
    Object.assign(card.dataset, { kind: ev.kind, exit: ev.exit });
    card.innerHTML = `<h4>${ev.kind === 'peer' ? 'alpha → beta, by name' : "the lesson's host → beta's published port"}</h4>` +
      `<pre>${esc(ev.command)}</pre><p>exit ${esc(ev.exit)}; answer:</p><pre data-testid="net-answer">${esc(ev.output)}</pre>` +
      `<p>the route the sender's kernel picks for ${esc(ev.kind === 'peer' ? ev.beta_ip : '127.0.0.1')}: <code>${esc(route.dst || '')}${route.gateway ? ' via ' + esc(route.gateway) : ''} dev ${esc(route.dev || '')}</code></p>` +
      `<p>interfaces whose packet counters moved (the hops):</p><ol>${hops.map((h) => `<li data-testid="net-hop" data-ns="${esc(h.ns)}" data-if="${esc(h.ifname)}" data-rx="${h.drx}" data-tx="${h.dtx}">${esc(h.ns)} ${esc(h.ifname)}: rx +${h.drx}, tx +${h.dtx}</li>`).join('')}</ol>` +
      `<p>rules that matched:</p><ol>${hits.length ? hits.map(([k, d]) => `<li data-testid="net-rule-hit">${esc(k)} <b>+${d}</b></li>`).join('') : '<li class="muted">none</li>'}</ol>`;
    $('#net-paths').prepend(card);
  }

  function buttons(state) {
    const building = state === 'build', ready = state === 'ready';
    $('#net-next').disabled = !building;
    $('#net-rest').disabled = !building;
    $('#net-peer').disabled = !ready;
    $('#net-host').disabled = !ready;
    $('#net-end').disabled = !(building || ready);
    $('#net-start').disabled = building || ready;
  }

  function onEvent(st, ev) {
    if (st !== net) return;
    switch (ev.type) {
      case 'step':
        stepCard(st, ev);
        status(ev.paused ? `step ${ev.n}: ${ev.title} — Next for the next one` : `step ${ev.n}: ${ev.title}`);
        break;
      case 'ready':
        buttons('ready');
        status(`ready: alpha ${ev.alpha}, beta ${ev.beta} (port 80 published as ${ev.host_port})`);
        break;
      case 'path': path(ev); status(`GET done (exit ${ev.exit})`); break;
      case 'error': status(`${ev.where}: ${ev.message}`, true); break;
      case 'exp_end': buttons('none'); status(`the lesson is over (${ev.status}): its namespace is gone`); break;
      default: break;
    }
  }

  async function start() {
    if (net && live.has(net.id)) await stopExperiment(net.id);
    $('#net-steps').innerHTML = '';
    $('#net-paths').innerHTML = '';
    status('starting…');
    try {
      const r = await api('POST', '/api/experiments', { kind: 'network' });
      net = { id: r.id, prev: null };
      buttons('build');
      const me = net;
      follow(r.id, (ev) => onEvent(me, ev));
    } catch (e) { status(e.message, true); }
  }
  const op = (o) => () => net && action(net.id, { op: o }, $('#net-status'));
  $('#net-start').addEventListener('click', start);
  $('#net-next').addEventListener('click', op('next'));
  $('#net-rest').addEventListener('click', op('rest'));
  $('#net-peer').addEventListener('click', op('wget-peer'));
  $('#net-host').addEventListener('click', op('wget-host'));
  $('#net-end').addEventListener('click', op('end'));
}
