"""Gradio's page in Swedish, and the page's own small script.

Gradio serves its page with `lang="en"` and picks the language of its own texts (Settings,
"Use via API", the login form) from the browser. SwedishPage rewrites the page as it is
served: `lang="sv"`, a Swedish description, and HEAD first in <head>, before Gradio's
scripts run. HEAD tells Gradio the language is Swedish and handles what the app's HTML
needs: "Kopiera hänvisning", the address bar following the view shown (its permalink), and
uploads with their progress.
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

  // the address bar follows the view: a view that is shown brings its permalink along
  new MutationObserver(function (records) {
    var href = null;
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) { return; }
        var a = n.matches && n.matches('a.ns-permalink') ? n : (n.querySelector && n.querySelector('a.ns-permalink'));
        if (a) { href = a.getAttribute('href'); }
        if (n.querySelector && n.querySelector('#ns-upload-status')) { poll(); }
      });
    });
    if (href && href !== location.pathname + location.search) { history.replaceState(null, '', href); }
  }).observe(document.documentElement, {childList: true, subtree: true});
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
