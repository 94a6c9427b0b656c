// Status page: in-place refresh and local times. The page works without it.
(function() {
var D = document, $ = D.getElementById.bind(D), fmt, busy, last = Date.now();
try { fmt = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'}); } catch (e) {}
function times(root) {
  if (fmt) root.querySelectorAll('time[datetime]').forEach(function(t) {
    var d = new Date(t.getAttribute('datetime'));
    if (isNaN(d)) return;
    t.title = t.title || t.textContent;
    t.textContent = fmt.format(d);
  });
}
function refresh(link) {
  var main = $('status-main'), open = [];
  if (busy || !window.fetch) return;
  busy = 1;
  if (link) link.setAttribute('aria-busy', 'true');
  fetch(location.href, {headers: {Accept: 'text/html'}, cache: 'no-cache'})
    .then(function(r) { if (!r.ok) throw r; return r.text(); })
    .then(function(html) {
      var next = new DOMParser().parseFromString(html, 'text/html').getElementById('status-main');
      if (!next) return;
      main.querySelectorAll('details[open][id]').forEach(function(d) { open.push(d.id); });
      main.replaceChildren.apply(main, [].slice.call(next.childNodes));
      open.forEach(function(id) { if ($(id)) $(id).open = true; });
      times(main);
      last = Date.now();
      if (link) $('refresh-status').textContent = 'Status updated';
    })
    .then(done, done);
  function done() { busy = 0; if (link) link.removeAttribute('aria-busy'); }
}
function auto() { // not while focus is inside the refreshed area
  if (D.visibilityState == 'visible' && !$('status-main').contains(D.activeElement)) refresh();
}
function init() {
  var link = D.querySelector('a[data-refresh]');
  times(D);
  if (!$('status-main')) return;
  if (link) link.addEventListener('click', function(e) { e.preventDefault(); refresh(link); });
  setInterval(auto, 60000);
  D.addEventListener('visibilitychange', function() { if (Date.now() - last > 60000) auto(); });
}
if (D.readyState == 'loading') D.addEventListener('DOMContentLoaded', init); else init();
})();
