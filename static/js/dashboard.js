// The dashboard's behaviours, progressive on top of server-rendered pages (everything reads without JS):
// local times, keyboard shortcuts, theme toggle, tabs, confirmation dialog, lazy step payloads, the JSON
// editor, row selection for bulk actions. No inline scripts anywhere: data comes in data- attributes.
(function () {
  "use strict";

  // --- times: UTC in the markup, the operator's time zone on screen -----------------------------------
  var pad = function (n) { return String(n).padStart(2, "0"); };
  var zone = (function () {
    try {
      var part = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(new Date())
        .find(function (p) { return p.type === "timeZoneName"; });
      return part ? part.value : "";
    } catch (e) { return ""; }
  })();
  function localText(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + (zone ? " " + zone : "");
  }
  function relative(ms) {
    var s = Math.round(Math.abs(ms) / 1000), future = ms > 0, text;
    if (s < 5) { return "just now"; }
    if (s < 60) { text = s + " s"; }
    else if (s < 3600) { text = Math.floor(s / 60) + " min"; }
    else if (s < 86400) { text = Math.floor(s / 3600) + " h " + pad(Math.floor(s % 3600 / 60)) + " min"; }
    else { text = Math.floor(s / 86400) + " d"; }
    return future ? "in " + text : text + " ago";
  }
  function localise(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) { return; }
      if (!el.dataset.utc) { el.dataset.utc = el.textContent; }
      var text = localText(d);
      if (el.hasAttribute("data-relative")) { text += " · " + relative(d.getTime() - Date.now()); }
      el.textContent = text;
      el.title = el.dataset.utc;
    });
    (root || document).querySelectorAll("[data-utc-hour]").forEach(function (el) {
      var d = new Date(el.getAttribute("data-utc-hour"));
      if (!isNaN(d)) { el.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()); }
    });
  }

  // Running executions' durations tick between pushes (same format as the server's `duration` filter).
  function duration(ms) {
    var s = Math.max(ms, 0) / 1000;
    if (s < 1) { return Math.round(s * 1000) + " ms"; }
    if (s < 60) { return s.toFixed(1) + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + " min " + pad(Math.floor(s % 60)) + " s"; }
    var h = Math.floor(m / 60);
    if (h < 24) { return h + " h " + pad(m % 60) + " min"; }
    return Math.floor(h / 24) + " d " + pad(h % 24) + " h";
  }
  function tick() {
    document.querySelectorAll("[data-elapsed-from]").forEach(function (el) {
      var from = new Date(el.getAttribute("data-elapsed-from"));
      if (!isNaN(from)) { el.textContent = duration(Date.now() - from.getTime()); }
    });
  }

  // --- theme ---------------------------------------------------------------------------------------------
  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) { return set; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function toggleTheme() {
    var next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    try { window.localStorage.setItem("theme", next); } catch (e) { /* not saved: fine */ }
  }

  // --- tabs on the execution page ------------------------------------------------------------------------
  function tabs() { return document.querySelector("[data-tabs]"); }
  function selectTab(id, focus) {
    var nav = tabs();
    if (!nav) { return; }
    nav.querySelectorAll("[role=tab]").forEach(function (tab) {
      var panelId = tab.getAttribute("aria-controls"), on = panelId === id;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(panelId);
      if (panel) { panel.hidden = !on; }
      if (on && focus) { tab.focus(); }
    });
  }
  function tabForHash() {
    var nav = tabs();
    if (!nav) { return; }
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    var panel = target ? target.closest("[role=tabpanel]") : null;
    selectTab(panel ? panel.id : (nav.querySelector("[role=tab]").getAttribute("aria-controls")));
    if (target && panel && target !== panel) {
      target.scrollIntoView({ block: "center" });
      if (target.matches("[data-nav-row]")) { setCurrent(target); }
    }
  }

  // --- confirmation dialog for hx-confirm (instead of window.confirm) ------------------------------------
  document.addEventListener("htmx:confirm", function (evt) {
    var dialog = document.getElementById("confirm-dialog");
    if (!evt.detail.question || !dialog || typeof dialog.showModal !== "function") { return; }
    evt.preventDefault();
    dialog.querySelector("[data-confirm-text]").textContent = evt.detail.question;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "confirm") { evt.detail.issueRequest(true); }
    });
    dialog.showModal();
    dialog.querySelector("[data-confirm-accept]").focus();
  });

  // --- keyboard shortcuts -------------------------------------------------------------------------------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-nav-row]")).filter(function (r) { return r.offsetParent !== null; }); }
  function setCurrent(row) {
    document.querySelectorAll("[data-nav-row].is-current").forEach(function (r) { r.classList.remove("is-current"); });
    if (!row) { return; }
    row.classList.add("is-current");
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector("[data-row-link]") || row.querySelector("a");
    if (link) { link.focus({ preventScroll: true }); }
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.findIndex(function (r) { return r.classList.contains("is-current"); });
    setCurrent(all[Math.max(0, Math.min(all.length - 1, at < 0 ? 0 : at + step))]);
  }
  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) { return; }
    var el = evt.target;
    if (el.closest && el.closest("input, textarea, select, [contenteditable], dialog[open]")) {
      if (evt.key === "Escape" && el.matches("textarea[data-json-editor], textarea[data-yaml-editor]")) {
        el.dataset.tabOut = "1";  // the next Tab leaves the editor instead of indenting
      } else if (evt.key === "Escape" && el.blur) { el.blur(); }
      return;
    }
    var help = document.getElementById("shortcuts-help");
    if (evt.key === "?") { evt.preventDefault(); if (help && help.showModal) { help.showModal(); } return; }
    if (evt.key === "/") {
      var search = document.querySelector("[data-shortcut-search]");
      evt.preventDefault();
      if (search) { search.focus(); search.select(); } else { location.href = "/executions/"; }
      return;
    }
    if (evt.key === "j") { evt.preventDefault(); move(1); return; }
    if (evt.key === "k") { evt.preventDefault(); move(-1); return; }
    if (evt.key === "x") {
      var current = document.querySelector("[data-nav-row].is-current input[type=checkbox]");
      if (current) { current.click(); }
      return;
    }
    var nav = tabs();
    if (nav && /^[1-9]$/.test(evt.key)) {
      var tab = nav.querySelectorAll("[role=tab]")[Number(evt.key) - 1];
      if (tab) { selectTab(tab.getAttribute("aria-controls"), true); history.replaceState(null, "", "#" + tab.getAttribute("aria-controls")); }
    }
  });

  // --- step payloads: fetched when a run's "view" opens, shown in a full-width row under it ---------------
  // Without JavaScript the <details> holds a link to the run's page; with it, the payload (cached per run
  // and status) goes into an expansion row, which live re-renders of the table put back.
  var payloads = new Map();
  function expansionFor(details) {
    var row = details.closest("tr");
    var next = row && row.nextElementSibling;
    return next && next.matches(".hrow-data") ? next : null;
  }
  function showPayload(details, html) {
    var row = details.closest("tr");
    if (!row || !details.open) { return; }
    var expansion = expansionFor(details);
    if (!expansion) {
      expansion = document.createElement("tr");
      expansion.className = "hrow-data";
      var cell = document.createElement("td");
      cell.colSpan = row.children.length;
      expansion.appendChild(cell);
      row.after(expansion);
    }
    expansion.firstElementChild.innerHTML = html;
    localise(expansion);
  }
  function fillPayload(details) {
    var key = details.dataset.run + "@" + details.dataset.payloadVersion;
    if (payloads.has(key)) { showPayload(details, payloads.get(key)); return; }
    fetch(details.dataset.payloadUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { payloads.set(key, html); showPayload(details, html); })
      .catch(function () { details.classList.add("data--failed"); });
  }
  document.addEventListener("toggle", function (evt) {
    var el = evt.target;
    if (!el.matches || !el.matches("details[data-payload-url]")) { return; }
    if (el.open) { fillPayload(el); } else { var x = expansionFor(el); if (x) { x.remove(); } }
  }, true);

  // Live swaps replace rows: re-open what the operator had open, keep ticked checkboxes ticked.
  var remembered = { open: [], checked: [] };
  function remember() {
    remembered.open = Array.prototype.map.call(document.querySelectorAll("details[data-run][open]"), function (d) { return d.dataset.run; });
    remembered.checked = Array.prototype.map.call(document.querySelectorAll("input[name=ids]:checked"), function (c) { return c.value; });
  }
  function restore() {
    remembered.open.forEach(function (run) {
      var d = document.querySelector('details[data-run="' + run + '"]');
      if (d && !d.open) { d.open = true; }
    });
    remembered.checked.forEach(function (id) {
      var c = document.querySelector('input[name=ids][value="' + id + '"]');
      if (c) { c.checked = true; }
    });
    updateSelection();
  }
  document.addEventListener("htmx:beforeSwap", remember);
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    remember();
    var old = evt.detail.target, fresh = evt.detail.fragment;
    if (old && old.classList && old.classList.contains("is-current") && fresh && fresh.firstElementChild) {
      fresh.firstElementChild.classList.add("is-current");
    }
  });
  document.addEventListener("htmx:afterSettle", restore);
  document.addEventListener("htmx:oobAfterSwap", restore);

  // --- selection for bulk actions ------------------------------------------------------------------------
  function updateSelection() {
    var bar = document.querySelector("[data-bulkbar]");
    if (!bar) { return; }
    var n = document.querySelectorAll("input[name=ids]:checked").length;
    bar.querySelector("[data-selected-count]").textContent = n ? n + " selected" : "No execution selected";
    bar.toggleAttribute("data-has-selection", n > 0);
    bar.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = n === 0; });
    var all = document.querySelector("[data-select-all]"), boxes = document.querySelectorAll("input[name=ids]");
    if (all) { all.checked = boxes.length > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
  }
  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (el.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=ids]").forEach(function (c) { c.checked = el.checked; });
    }
    if (el.matches("[data-select-all], input[name=ids]")) { updateSelection(); }
  }, true);
  document.addEventListener("click", function (evt) {
    var cancel = evt.target.closest("[data-bulk-cancel]");
    if (cancel && cancel.closest("#bulk-panel")) { evt.preventDefault(); document.getElementById("bulk-panel").innerHTML = ""; }
    if (evt.target.closest("[data-help-open]")) {
      var help = document.getElementById("shortcuts-help");
      if (help && help.showModal) { help.showModal(); }
    }
    if (evt.target.closest("[data-theme-toggle]")) { toggleTheme(); }
    var tab = evt.target.closest("[data-tabs] [role=tab]");
    if (tab) {
      evt.preventDefault();
      selectTab(tab.getAttribute("aria-controls"));
      history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
    }
    var runLink = evt.target.closest("[data-run-link]");
    if (runLink) {
      var row = document.getElementById("run-" + runLink.getAttribute("data-run-link"));
      if (row) { evt.preventDefault(); history.replaceState(null, "", "#run-" + runLink.getAttribute("data-run-link")); tabForHash(); }
    }
  });

  // --- JSON editor: says whether the text parses, and can pretty-print it ---------------------------------
  function checkJson(area) {
    var status = area.form && area.form.querySelector("[data-json-status]");
    if (!status) { return; }
    try {
      JSON.parse(area.value);
      status.textContent = "Valid JSON";
      status.className = "json-status small json-status--ok";
    } catch (e) {
      status.textContent = "Not valid JSON yet: " + e.message;
      status.className = "json-status small json-status--error";
    }
  }
  document.addEventListener("input", function (evt) {
    if (evt.target.matches("textarea[data-json-editor]")) { checkJson(evt.target); }
  });
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-json-format]");
    if (!button) { return; }
    var area = button.form.querySelector("textarea[data-json-editor]");
    try { area.value = JSON.stringify(JSON.parse(area.value), null, 2); } catch (e) { /* leave it, the status says why */ }
    checkJson(area);
  });
  document.addEventListener("keydown", function (evt) {
    // Tab indents inside spec and JSON editors; Esc then Tab leaves them (keyboard users are not trapped).
    var area = evt.target;
    if (evt.key !== "Tab" || evt.shiftKey || !area.matches || !area.matches("textarea[data-json-editor], textarea[data-yaml-editor]")) { return; }
    if (area.dataset.tabOut) { delete area.dataset.tabOut; return; }
    evt.preventDefault();
    var start = area.selectionStart;
    area.setRangeText("  ", start, area.selectionEnd, "end");
  });

  // --- copy a shown-once secret (the new API token) to the clipboard ----------------------------------------
  // The Clipboard API needs a secure context (https or localhost); elsewhere the selected text is copied the
  // old way. Either way the text stays selected, so Ctrl+C works if both are refused.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (!field) { return; }
    field.focus();
    field.select();
    function done(ok) { if (status) { status.textContent = ok ? "Copied." : "Press Ctrl+C to copy."; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(false); });
    } else {
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
  });

  // --- start-up and after every swap ----------------------------------------------------------------------
  function init(root) {
    localise(root);
    updateSelection();
  }
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    tabForHash();
    document.querySelectorAll("textarea[data-json-editor]").forEach(function (a) { if (a.form && a.form.querySelector("[data-json-status]")) { checkJson(a); } });
    window.setInterval(function () { localise(document); }, 30000);
    window.setInterval(tick, 1000);
  });
  window.addEventListener("hashchange", tabForHash);
  document.addEventListener("htmx:load", function (evt) { localise(evt.detail.elt); });
  window.wfDashboard = { localise: localise, tabForHash: tabForHash, updateSelection: updateSelection };
})();
