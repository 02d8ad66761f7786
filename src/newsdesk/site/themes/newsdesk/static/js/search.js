// The search box of the sidebar: Pagefind's modular UI and its index load the first time
// the box is focused or typed in, so a page view that never searches downloads none of it.
(function () {
  "use strict";
  var box = document.getElementById("nd-Query");
  var results = document.getElementById("nd-Results");
  if (!box || !results) return;
  var bundle = results.getAttribute("data-bundle") || "/pagefind/";
  var state = "idle"; // idle, loading, ready

  function start() {
    if (state !== "idle") return;
    state = "loading";
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = bundle + "pagefind-modular-ui.css";
    document.head.appendChild(style);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-modular-ui.js";
    script.onload = function () {
      var ui = window.PagefindModularUI;
      var search = new ui.Instance({ bundlePath: bundle });
      search.add(new ui.Input({ inputElement: "#nd-Query" }));
      search.add(new ui.ResultList({ containerElement: "#nd-Results", showImages: false }));
      state = "ready";
      if (box.value) search.triggerSearch(box.value); // typed while the UI was loading
    };
    script.onerror = function () {
      state = "idle"; // offline or no index yet: try again on the next use
    };
    document.head.appendChild(script);
  }

  box.addEventListener("focus", start);
  box.addEventListener("input", start);
})();
