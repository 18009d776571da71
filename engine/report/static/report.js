// casus report: filtering, grouping and expanding conclusions. Works from file://, no network.
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  var groups = document.getElementById("groups");
  if (!form || !groups) return;
  var items = Array.prototype.slice.call(groups.querySelectorAll("details.concl"));
  var names = {};
  Array.prototype.forEach.call(groups.querySelectorAll("section.group"), function (g) {
    names[g.getAttribute("data-key")] = g.querySelector("h3").textContent;
  });
  var shown = document.getElementById("shown");

  function value(name) {
    var el = form.elements[name];
    return el ? el.value : "";
  }

  function regroup(by) {
    var buckets = {};
    items.forEach(function (c) {
      var key = c.getAttribute(by === "regime" ? "data-regime" : "data-actor");
      (buckets[key] = buckets[key] || []).push(c);
    });
    while (groups.firstChild) groups.removeChild(groups.firstChild);
    Object.keys(buckets).sort().forEach(function (key) {
      var section = document.createElement("section");
      section.className = "group";
      section.setAttribute("data-key", key);
      var h = document.createElement("h3");
      h.textContent = by === "regime" ? "Regime " + key : (names[key] || key);
      section.appendChild(h);
      buckets[key].forEach(function (c) { section.appendChild(c); });
      groups.appendChild(section);
    });
  }

  function apply() {
    var modality = value("modality"), status = value("status"), regime = value("regime"), state = value("state");
    var q = (value("q") || "").trim().toLowerCase();
    var n = 0;
    items.forEach(function (c) {
      var ok = (!modality || c.getAttribute("data-modality") === modality) &&
        (!status || c.getAttribute("data-status") === status) &&
        (!regime || c.getAttribute("data-regime") === regime) &&
        (!state || (" " + c.getAttribute("data-states") + " ").indexOf(" " + state + " ") >= 0) &&
        (!q || c.getAttribute("data-search").indexOf(q) >= 0 || c.textContent.toLowerCase().indexOf(q) >= 0);
      c.hidden = !ok;
      if (ok) n += 1;
    });
    Array.prototype.forEach.call(groups.querySelectorAll("section.group"), function (g) {
      g.hidden = !g.querySelector("details.concl:not([hidden])");
    });
    if (shown) shown.textContent = String(n);
  }

  form.addEventListener("input", function (e) {
    if (e.target.name === "group") regroup(e.target.value);
    apply();
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "group") { regroup(e.target.value); apply(); }
  });

  var expand = form.querySelector(".expand-all");
  if (expand) {
    expand.addEventListener("click", function () {
      var open = expand.getAttribute("aria-pressed") !== "true";
      items.forEach(function (c) {
        if (c.hidden) return;
        c.open = open;
        Array.prototype.forEach.call(c.querySelectorAll("details.sub"), function (d) { d.open = open; });
      });
      expand.setAttribute("aria-pressed", open ? "true" : "false");
      expand.textContent = open ? "Collapse all proofs" : "Expand all proofs";
    });
  }

  // following a link to a conclusion (or into a proof) opens what holds it
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
      if (p.hidden) p.hidden = false;
    }
    el.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  if (location.hash) reveal();
})();
