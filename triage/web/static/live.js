// Live updates (routes/live.py): poll /live/decisions every second; when the team's
// decisions changed, a page listing decisions fetches itself again and swaps its <main> in
// (not while someone is typing in one of its forms: then it tries at the next change), and
// the screening page updates only its counts (the card being read stays).
(function () {
  "use strict";
  var script = document.currentScript;
  var mode = (script && script.dataset.live) || "page";
  var version = null;
  var since = null;
  var stale = false;

  function typing() {
    var el = document.activeElement;
    return !!(el && el.closest && el.closest("main form") && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function counts(values) {
    document.querySelectorAll("[data-live-count]").forEach(function (el) {
      var name = el.getAttribute("data-live-count");
      if (values[name] !== undefined) { el.textContent = String(values[name]); }
    });
  }

  function reload() {
    if (typing()) { stale = true; return; }
    stale = false;
    fetch(location.href, { headers: { "Accept": "text/html" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) { main.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { stale = true; });
  }

  function poll() {
    var url = "/live/decisions" + (since === null ? "" : "?since=" + since);
    fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        counts(data.counts || {});
        var changed = version !== null && data.version !== version;
        version = data.version;
        since = data.since;
        if (mode === "page" && (changed || stale)) { reload(); }
        document.dispatchEvent(new CustomEvent("triage:live", { detail: data }));
      })
      .catch(function () { /* the server is restarting: ask again at the next tick */ })
      .then(function () { setTimeout(poll, 1000); });
  }

  poll();
})();
