// The live transport of the dashboard, on top of the htmx ws extension (hx-ext="ws" ws-connect="..."):
// - while the socket is open, the server pushes HTML fragments that htmx swaps in by id (no polling);
// - whenever it opens (first time or after a drop) the page resynchronises with one request;
// - while it is down, the page polls every 2 s and the top bar says "Reconnecting…";
// - list rows the server offers (data-live-insert) for executions not on the page yet are inserted in order;
// - running bars of the timeline grow between pushes.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var pollTimer = null;
  var socket = null;

  function indicator(state) {
    var el = document.getElementById("live-indicator");
    document.documentElement.setAttribute("data-live", state);
    if (!el) { return; }
    var text = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting… (updating every 2 s)" }[state];
    el.hidden = false;
    el.dataset.state = state;
    el.querySelector(".live-indicator__text").textContent = text;
    el.title = state === "live" ? "Updates arrive as they happen" : "The live connection is down; the page polls until it is back";
  }

  function refresh(pollingOnly) {
    var selector = pollingOnly ? "[data-live-refresh][data-live-poll]" : "[data-live-refresh]";
    document.querySelectorAll(selector).forEach(function (el) { htmx.trigger(el, "wf:refresh"); });
  }
  function startPolling() {
    if (pollTimer === null) { pollTimer = window.setInterval(function () { refresh(true); }, POLL_MS); }
  }
  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  // What the page shows now (filters, page): the socket renders for that.
  function watch() {
    if (!socket) { return; }
    var holder = document.querySelector("[data-live-query]");
    var query = holder ? holder.getAttribute("data-live-query") : location.search.replace(/^\?/, "");
    socket.send(JSON.stringify({ type: "watch", query: query }));
  }

  document.addEventListener("htmx:wsConnecting", function () {
    if (document.documentElement.getAttribute("data-live") !== "reconnecting") { indicator("connecting"); }
  });
  document.addEventListener("htmx:wsOpen", function (evt) {
    socket = evt.detail.socketWrapper;
    stopPolling();
    indicator("live");
    watch();
    refresh(false);  // catch up on anything that changed before this socket listened
  });
  function down() {
    socket = null;
    indicator("reconnecting");
    startPolling();
  }
  document.addEventListener("htmx:wsClose", down);
  document.addEventListener("htmx:wsError", down);
  // Pushes wait while an htmx request is in flight, then apply in order. Otherwise a push could replace the
  // element a request came from (a Stop button inside the status panel), and its response, landing on a
  // detached element, could neither swap nor find its out-of-band targets; and a push newer than the
  // response would be overwritten by it. Every pushed element carries hx-swap-oob, so replaying is a swap.
  var inFlight = 0;
  var held = [];
  document.addEventListener("htmx:beforeSend", function (evt) {
    inFlight += 1;
    evt.detail.xhr.addEventListener("loadend", function () {
      inFlight = Math.max(0, inFlight - 1);
      if (inFlight === 0 && held.length) {
        var messages = held;
        held = [];
        messages.forEach(function (message) { htmx.swap(document.body, message, { swapStyle: "none" }); });
        drainInbox();
      }
    });
  });
  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    if (inFlight > 0) {
      held.push(evt.detail.message);
      evt.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "results") { watch(); }
  });

  // Pushed list rows land in the hidden inbox: each replaces its row on the page (keeping the tick and the
  // keyboard cursor), or, when the server offers it (data-live-insert) and this page is the first one, is
  // inserted where the list's order (created, id: newest first) puts it.
  function drainInbox() {
    var inbox = document.getElementById("live-inbox");
    var body = document.getElementById("execution-rows");
    if (!inbox) { return; }
    Array.prototype.slice.call(inbox.children).forEach(function (row) {
      row.remove();
      if (!body) { return; }
      var shown = document.getElementById(row.id);
      if (shown) {
        var tick = shown.querySelector("input[name=ids]"), fresh = row.querySelector("input[name=ids]");
        if (tick && fresh) { fresh.checked = tick.checked; }
        if (shown.classList.contains("is-current")) { row.classList.add("is-current"); }
        row.removeAttribute("data-live-insert");
        shown.replaceWith(row);
      } else if (row.hasAttribute("data-live-insert") && body.hasAttribute("data-live-insert")) {
        if (!insertSorted(body, row)) { return; }
      } else {
        return;
      }
      htmx.process(row);
      if (window.wfDashboard) { window.wfDashboard.localise(row); window.wfDashboard.updateSelection(); }
    });
  }
  function insertSorted(body, row) {
    var key = row.getAttribute("data-sort") || "";
    var existing = body.querySelectorAll("tr[data-sort]"), before = null;
    for (var i = 0; i < existing.length; i++) {
      if ((existing[i].getAttribute("data-sort") || "") < key) { before = existing[i]; break; }
    }
    var size = Number(body.getAttribute("data-page-size") || 50);
    if (!before && existing.length >= size) { return false; }  // older than a full page: on a later page
    var empty = body.querySelector("tr.empty-row");
    if (empty) { empty.remove(); }
    row.removeAttribute("data-live-insert");
    row.classList.add("row--new");
    body.insertBefore(row, before);
    return true;
  }
  document.addEventListener("htmx:wsAfterMessage", drainInbox);
  document.addEventListener("htmx:afterSettle", drainInbox);
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-live-socket]")) { indicator("connecting"); }
  });

  // --- running bars grow between pushes ------------------------------------------------------------------
  function grow() {
    document.querySelectorAll("svg[data-timeline]").forEach(function (svg) {
      if (svg.dataset.skew === undefined) { svg.dataset.skew = String(Number(svg.dataset.nowMs) - Date.now()); }
      var now = Date.now() + Number(svg.dataset.skew);
      var perUnit = Number(svg.dataset.msPerUnit), end = Number(svg.dataset.chartEnd);
      var start = Number(svg.dataset.startMs), chartX = Number(svg.dataset.chartX);
      if (!(perUnit > 0)) { return; }
      svg.querySelectorAll("rect[data-running]").forEach(function (bar) {
        var x = Number(bar.getAttribute("x"));
        var width = Math.min(end - x, (now - Number(bar.dataset.startedMs)) / perUnit);
        if (width > Number(bar.getAttribute("width"))) { bar.setAttribute("width", width.toFixed(1)); }
      });
      var line = svg.querySelector("[data-now-line]");
      if (line) {
        var nowX = Math.min(end, chartX + (now - start) / perUnit).toFixed(1);
        line.setAttribute("x1", nowX);
        line.setAttribute("x2", nowX);
      }
    });
  }
  window.setInterval(grow, 250);
})();
