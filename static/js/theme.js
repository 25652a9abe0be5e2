// Runs in <head>, before the first paint: the operator's saved theme (if any) wins over the system's.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var saved = window.localStorage.getItem("theme");
    if (saved === "dark" || saved === "light") { root.setAttribute("data-theme", saved); }
  } catch (e) { /* storage refused: follow the system */ }
})();
