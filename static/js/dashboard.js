// Polling swaps in fresh copies of the status panel and the timeline; keep the <details> the operator
// opened (step input/output) open across those swaps. Only <details> with an id are tracked.
(function () {
  "use strict";
  let open = [];
  document.addEventListener("htmx:beforeSwap", function () {
    open = Array.from(document.querySelectorAll("details[id][open]"), function (el) { return el.id; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    open.forEach(function (id) {
      const el = document.getElementById(id);
      if (el) { el.open = true; }
    });
  });
})();
