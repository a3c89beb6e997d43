"""Gradio's page in Swedish, and the page's own small script.

Gradio serves its page with `lang="en"` and picks the language of its own texts (Settings,
"Use via API", the login form) from the browser. SwedishPage rewrites the page as it is
served: `lang="sv"`, a Swedish description, and HEAD first in <head>, before Gradio's
scripts run. HEAD tells Gradio the language is Swedish and handles what the app's HTML
needs: "Kopiera hänvisning", the address bar following the view shown (its permalink, or
the tab), the answer brought into view after Enter (on a phone it starts below the
screen), the Dokument tab's filters and order, and uploads with their progress.
"""

from __future__ import annotations

import re

HEAD_JS = r"""
(function () {
  // Gradio reads the browser's language for its own texts: Swedish, whatever the browser says
  try {
    Object.defineProperty(Navigator.prototype, 'language', {get: function () { return 'sv-SE'; }, configurable: true});
    Object.defineProperty(Navigator.prototype, 'languages', {get: function () { return ['sv-SE', 'sv']; }, configurable: true});
  } catch (e) {}

  function copyRef(btn) {
    var ref = btn.getAttribute('data-ref') || '';
    var field = btn.nextElementSibling;
    if (field && field.classList.contains('ns-ref')) {  // readable and selected, also where copying is not allowed
      field.hidden = false; field.value = ref; field.focus(); field.select();
    }
    var done = function () {
      btn.textContent = 'Kopierad ✓';
      setTimeout(function () { btn.textContent = 'Kopiera hänvisning'; }, 2500);
    };
    var legacy = function () { try { if (document.execCommand('copy')) { done(); } } catch (e) {} };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(ref).then(done, legacy); }
    else { legacy(); }
  }

  function text(tag, cls, s) { var el = document.createElement(tag); if (cls) { el.className = cls; } el.textContent = s; return el; }
  var STEPS = {parsing: 'läser', embedding: 'bäddar in'};
  var UNITS = {file: 'filer', chunk: 'passager', sentence: 'meningar'};
  var seenDone = {};
  function showJobs(jobs) {
    var box = document.getElementById('ns-upload-status');
    if (!box) { return; }
    box.innerHTML = '';
    var refresh = false;
    jobs.slice().reverse().forEach(function (j) {
      var line = j.name + ': ' + j.state;
      if (j.state === 'indexerar' && j.step) {
        line += ' – ' + (STEPS[j.step] || j.step) + ' ' + j.done + ' av ' + j.total + ' ' + (UNITS[j.unit] || j.unit);
      }
      if (j.message) { line += ' – ' + j.message; }
      box.appendChild(text('div', 'ns-job ns-job-' + (j.state === 'fel' ? 'fel' : j.state === 'klar' ? 'klar' : 'pagar'), line));
      if (j.state === 'klar' && !seenDone[j.id]) { seenDone[j.id] = true; refresh = true; }
    });
    if (refresh) { var b = document.getElementById('ns-docs-refresh'); if (b) { b.click(); } }
  }
  var polling = false;
  function poll() {
    if (polling) { return; }
    polling = true;
    fetch('/uppladdning/status', {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (j) {
      polling = false;
      showJobs(j.jobs || []);
      if ((j.jobs || []).some(function (x) { return x.state === 'väntar' || x.state === 'indexerar'; })) { setTimeout(poll, 1000); }
    }, function () { polling = false; setTimeout(poll, 3000); });
  }
  function upload() {
    var input = document.getElementById('ns-upload-file');
    var box = document.getElementById('ns-upload-status');
    if (!input || !input.files || !input.files.length) { if (box) { box.textContent = 'Välj en eller flera PDF-filer först.'; } return; }
    var files = Array.prototype.slice.call(input.files);
    input.value = '';
    var chosen = document.getElementById('ns-upload-chosen');
    if (chosen) { chosen.textContent = 'Ingen fil vald'; }
    files.forEach(function (f) {
      fetch('/uppladdning?namn=' + encodeURIComponent(f.name), {
        method: 'POST', body: f, credentials: 'same-origin',
        headers: {'Content-Type': 'application/pdf', 'X-Namndsok-Upload': '1'}
      }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); }).then(function (res) {
        if (res[0] >= 400 && box) { box.appendChild(text('div', 'ns-job ns-job-fel', f.name + ': ' + (res[1].detail || 'fel'))); }
        poll();
      }, function () { if (box) { box.appendChild(text('div', 'ns-job ns-job-fel', f.name + ': kunde inte skickas')); } });
    });
  }

  document.addEventListener('change', function (ev) {
    if (ev.target && ev.target.id === 'ns-upload-file') {
      var names = Array.prototype.map.call(ev.target.files, function (f) { return f.name; });
      var shown = document.getElementById('ns-upload-chosen');
      if (shown) { shown.textContent = names.length ? names.join(', ') : 'Ingen fil vald'; }
    }
  });

  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (!t || !t.closest) { return; }
    var btn = t.closest('.ns-copy');
    if (btn) { ev.preventDefault(); copyRef(btn); return; }
    if (t.closest('#ns-upload-send')) { ev.preventDefault(); upload(); }
  });

  // the address bar follows the view on screen: the permalink of the result shown in the
  // selected tab, else the tab itself; after every answer, list, matter and tab switch
  var TAB_IDS = {'Fråga': 'fraga', 'Beslut': 'beslut', 'Ärende': 'arende', 'Dokument': 'dokument'};
  function viewHref() {
    var shown = Array.prototype.filter.call(document.querySelectorAll('a.ns-permalink'),
                                            function (a) { return a.offsetParent !== null; });
    if (shown.length) { return shown[0].getAttribute('href'); }
    var tab = document.querySelector('button[role=tab][aria-selected=true]');
    var id = tab ? TAB_IDS[tab.textContent.trim()] : null;
    return id && id !== 'fraga' ? '/?flik=' + id : '/';
  }
  function syncAddress() {
    var href = viewHref();
    if (href !== location.pathname + location.search) { history.replaceState(null, '', href); }
  }
  var syncSoon = null;
  function scheduleSync() { if (!syncSoon) { syncSoon = setTimeout(function () { syncSoon = null; syncAddress(); }, 50); } }

  // after Enter (or the button, or an example) the result is brought into view: on a phone it
  // starts below the screen, the more so with the filters open
  var asked = 0;
  function pending() { return !!document.querySelector('#ns-result .pending, #ns-result.pending'); }
  function watchResult() {
    var box = document.getElementById('ns-result');
    if (!box) { return; }
    var before = box.innerHTML, seenPending = false, started = Date.now(), mine = ++asked;
    var timer = setInterval(function () {
      if (mine !== asked || Date.now() - started > 180000) { clearInterval(timer); return; }
      if (pending()) { seenPending = true; return; }
      if (!(seenPending || box.innerHTML !== before || Date.now() - started > 3000)) { return; }
      clearInterval(timer);
      var el = document.getElementById('ns-answer') || box.querySelector('.ns-error') || box;
      var top = el.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.4) {
        if (window.innerWidth < 700 && document.activeElement) { document.activeElement.blur(); }  // the keyboard away
        el.scrollIntoView({block: 'start'});
        window.scrollBy(0, -8);
      }
      syncAddress();
    }, 150);
  }
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && ev.target && ev.target.closest && ev.target.closest('#ns-question')) {
      setTimeout(watchResult, 0);
    }
  }, true);
  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (!t || !t.closest) { return; }
    if (t.closest('#ns-ask') || t.closest('#ns-examples button')) { setTimeout(watchResult, 0); }
    if (t.closest('button[role=tab]')) { setTimeout(syncAddress, 100); }
  }, true);

  // the Dokument tab: filters (committee, type, dates) and an order, applied in place
  function applyDocs(root) {
    var table = root.querySelector('table.ns-docs');
    if (!table) { return; }
    var val = function (k) { var el = root.querySelector('[data-docfilter="' + k + '"]'); return el ? el.value.trim() : ''; };
    var organ = val('organ'), type = val('type'), from = val('from'), to = val('to');
    var rows = Array.prototype.slice.call(table.tBodies[0].rows), n = 0;
    rows.forEach(function (r) {
      var d = r.getAttribute('data-date') || '';
      var ok = (!organ || r.getAttribute('data-organ') === organ) && (!type || r.getAttribute('data-type') === type)
        && (!from || (d && d >= from)) && (!to || (d && d.slice(0, to.length) <= to));
      r.hidden = !ok;
      if (ok) { n++; }
    });
    var sort = root.querySelector('[data-docsort]');
    var key = sort ? sort.value : 'date-';
    var desc = key.slice(-1) === '-', field = 'data-' + key.replace(/-$/, '');
    rows.sort(function (a, b) {
      var x = a.getAttribute(field) || '', y = b.getAttribute(field) || '';
      return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
    }).forEach(function (r) { table.tBodies[0].appendChild(r); });
    var count = root.querySelector('.ns-doccount');
    if (count) {
      var total = count.getAttribute('data-total');
      count.textContent = n == total ? total + ' dokument i indexet.' : n + ' av ' + total + ' dokument visas.';
    }
  }
  function onDocControl(ev) {
    var t = ev.target;
    if (t && t.closest && t.closest('[data-docfilter], [data-docsort]')) { applyDocs(t.closest('#ns-docs') || document); }
  }
  document.addEventListener('input', onDocControl);
  document.addEventListener('change', onDocControl);

  new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === 'attributes') { if (r.target.matches && r.target.matches('a.ns-permalink')) { scheduleSync(); } return; }
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) { return; }
        if ((n.matches && n.matches('a.ns-permalink')) || (n.querySelector && n.querySelector('a.ns-permalink'))) { scheduleSync(); }
        if (n.querySelector && n.querySelector('#ns-upload-status')) { poll(); }
      });
    });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true, attributeFilter: ['href']});
})();
"""

HEAD = f"<script>{HEAD_JS}</script>"


class SwedishPage:
    """ASGI middleware: the page at / in Swedish (see the module's docstring)."""

    def __init__(self, app, head: str = HEAD):
        self.app = app
        self.head = head.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ("/", ""):
            await self.app(scope, receive, send)
            return
        # the page uncompressed, to be rewritten (it is small)
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])
        start: dict = {}
        body: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await self._send(send, start, b"".join(body))
                return
            await send(message)

        await self.app(scope, receive, capture)

    async def _send(self, send, start: dict, data: bytes) -> None:
        headers = [(k, v) for k, v in start.get("headers", [])]
        ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if ctype.startswith(b"text/html"):
            data = rewrite(data, self.head)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"] + [(b"content-length", str(len(data)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": data})


_API_INFO_RE = re.compile(rb"<script>window\.gradio_api_info\s*=.*?</script>", re.DOTALL)


def rewrite(page: bytes, head: bytes) -> bytes:
    if b'"auth_required":true' in page:
        # Gradio puts the API's description in the login page too; behind a login it is not public
        page = _API_INFO_RE.sub(b'<script>window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>', page)
    page = page.replace(b'lang="en"', b'lang="sv"', 1)
    page = page.replace(b"Click to try out the app!", "Sök i nämndhandlingar och få svar med källhänvisning.".encode())
    page = page.replace(b'content="Gradio"', b'content="namndsok"')
    return page.replace(b"<head>", b"<head>" + head, 1)
