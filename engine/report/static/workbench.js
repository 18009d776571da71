// casus workbench: edit a case, see its report, what-if, explore, why / why not. No build step, no network
// beyond this server; the page never saves a file (Download instead).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var editor = $("editor"), frame = $("report"), status = $("status");
  var state = { name: "case.yaml", key: null, last: null, timer: null, whatifTimer: null, seq: 0 };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function say(text, busy) { status.textContent = text; status.className = busy ? "busy" : ""; }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); });
  }

  function renderDiagnostics(target, items) {
    clear(target);
    if (!items || !items.length) { target.appendChild(el("li", { className: "muted", text: "none" })); return; }
    items.forEach(function (d) {
      var pre = el("pre", { text: d.rendered || ((d.code || "") + ": " + d.message), tabindex: "0" });
      var li = el("li", { className: d.severity || "error" }, [pre]);
      if (d.line) {
        var go = function () { gotoLine(d.line, d.column || 1); };
        pre.addEventListener("click", go);
        pre.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
        pre.title = "Go to line " + d.line;
      }
      target.appendChild(li);
    });
  }

  function gotoLine(line, column) {
    var lines = editor.value.split("\n"), pos = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    pos += Math.max(0, column - 1);
    editor.focus();
    editor.setSelectionRange(pos, pos);
    var lh = parseFloat(getComputedStyle(editor).lineHeight) || 18;
    editor.scrollTop = Math.max(0, (line - 5) * lh);
  }

  // ------------------------------------------------------------ evaluate
  function evaluate() {
    var seq = ++state.seq;
    say("evaluating…", true);
    return post("/api/evaluate", { text: editor.value, name: state.name }).then(function (res) {
      if (seq !== state.seq) return;
      var data = res.data;
      if (!data.ok) {
        renderDiagnostics($("diagnostics"), data.diagnostics);
        frame.classList.add("stale");
        say(data.diagnostics.length + " problem(s): the report shows the last valid version");
        return;
      }
      renderDiagnostics($("diagnostics"), data.notes);
      frame.classList.remove("stale");
      frame.srcdoc = data.report;
      state.last = data;
      buildWhatif(data);
      var c = data.counts || {};
      say(Object.keys(c).filter(function (k) { return c[k]; }).map(function (k) { return c[k] + " " + k; }).join(", ") || "nothing follows");
    }).catch(function (err) { say("the server did not answer: " + err); });
  }

  editor.addEventListener("input", function () {
    clearTimeout(state.timer);
    state.timer = setTimeout(evaluate, 450);
  });

  function openCase(key) {
    say("opening…", true);
    return fetch("/api/case?key=" + encodeURIComponent(key)).then(function (r) { return r.json(); }).then(function (data) {
      if (!data.text && data.diagnostics) { renderDiagnostics($("diagnostics"), data.diagnostics); say("cannot open"); return; }
      editor.value = data.text;
      state.name = data.label; state.key = data.key;
      $("case-name").textContent = data.label;
      clear($("diff")); clear($("explore-out")); clear($("why-out"));
      return evaluate();
    });
  }
  $("open").addEventListener("click", function () { openCase($("case-picker").value); });

  $("download").addEventListener("click", function () {
    var blob = new Blob([editor.value], { type: "application/x-yaml" });
    var a = el("a", { href: URL.createObjectURL(blob), download: (state.name || "case.yaml").split("/").pop() });
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  });

  // ---------------------------------------------------------------- tabs
  var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
  function select(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    });
    tab.focus();
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { select(t); });
    t.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight") select(tabs[(i + 1) % tabs.length]);
      if (e.key === "ArrowLeft") select(tabs[(i + tabs.length - 1) % tabs.length]);
    });
  });

  // ------------------------------------------------------------- what if
  function buildWhatif(data) {
    var votes = clear($("whatif-votes"));
    data.decisions.forEach(function (d) {
      var grid = el("div", { className: "vote-grid" });
      d.votes.forEach(function (v) {
        var sel = el("select", { "data-path": "decisions[" + d.id + "].votes." + v.state, "data-original": v.vote,
                                 "aria-label": "vote of " + v.state + " on " + d.label });
        ["yes", "no", "abstain", "absent"].forEach(function (o) {
          var opt = el("option", { value: o, text: o });
          if (o === v.vote) opt.selected = true;
          sel.appendChild(opt);
        });
        grid.appendChild(el("label", {}, [el("span", { text: v.state }), sel]));
      });
      votes.appendChild(el("fieldset", { "data-decision": d.id }, [el("legend", { text: "Votes on " + d.label + " — " + d.verdict }), grid]));
    });
    var open = clear($("whatif-open"));
    if (data.open_facts.length) {
      var fs = el("fieldset", {}, [el("legend", { text: "Open facts" })]);
      data.open_facts.forEach(function (u) {
        var sel = el("select", { "data-path": u.path, "data-original": "" }, [el("option", { value: "", text: "as written" })]);
        u.values.forEach(function (v) { sel.appendChild(el("option", { value: String(v), text: String(v) })); });
        fs.appendChild(el("label", {}, [el("code", { text: u.path }), " ", sel]));
        fs.appendChild(el("br"));
      });
      open.appendChild(fs);
    }
    var asm = $("whatif-assumptions");
    Array.prototype.slice.call(asm.querySelectorAll("label, br")).forEach(function (n) { n.remove(); });
    data.assumptions.forEach(function (a) {
      var box = el("input", { type: "checkbox", "data-assumption": a.name, "data-original": a.value ? "1" : "0" });
      box.checked = !!a.value;
      asm.appendChild(el("label", { title: a.title || "" }, [box, " ", el("code", { text: a.name })]));
      asm.appendChild(el("br"));
    });
    var names = clear($("why-suggestions"));
    (data.conclusions || []).forEach(function (t) { names.appendChild(el("option", { value: t })); });
  }

  function changes() {
    var out = [];
    Array.prototype.forEach.call(document.querySelectorAll("#panel-whatif select[data-path]"), function (s) {
      var changed = s.value !== s.getAttribute("data-original") && s.value !== "";
      s.classList.toggle("changed", changed);
      if (changed) out.push(s.getAttribute("data-path") + "=" + s.value);
    });
    $("whatif-sets").value.split("\n").forEach(function (line) { if (line.trim()) out.push(line.trim()); });
    return out;
  }
  function assumed() {
    var out = {};
    Array.prototype.forEach.call(document.querySelectorAll("#whatif-assumptions input[data-assumption]"), function (b) {
      if ((b.checked ? "1" : "0") !== b.getAttribute("data-original")) out[b.getAttribute("data-assumption")] = b.checked;
    });
    return out;
  }

  function runWhatif() {
    var list = changes(), asm = assumed(), out = $("diff");
    if (!list.length && !Object.keys(asm).length) { clear(out).appendChild(el("p", { className: "muted", text: "Nothing changed yet." })); return; }
    say("what if…", true);
    post("/api/whatif", { text: editor.value, name: state.name, changes: list, assume: asm }).then(function (res) {
      var data = res.data;
      clear(out);
      if (!data.ok) {
        var ul = el("ul", { id: "whatif-diagnostics" });
        renderDiagnostics(ul, data.diagnostics);
        out.appendChild(ul);
        say("the change is not valid");
        return;
      }
      out.appendChild(el("h3", { text: "What if " + list.concat(Object.keys(asm).map(function (k) { return k + " assumed " + asm[k]; })).join(", ") + "?" }));
      if (data.decisions.length) {
        out.appendChild(el("ul", { className: "decisions" }, data.decisions.map(function (d) {
          return el("li", { text: "decision " + d.decision + ": " + word(d.before) + " → " + word(d.after) });
        })));
      }
      section(out, "New conclusions", "gained", data.gained.map(function (c) { return c.text + "  [" + c.rule + "]"; }));
      section(out, "Lost conclusions", "lost", data.lost.map(function (c) { return c.text + "  [" + c.rule + "]"; }));
      section(out, "Other changes of status", "changed", data.changed.map(function (c) { return c.conclusion + ": " + (c.before || "absent") + " → " + (c.after || "absent"); }));
      if (!data.decisions.length && !data.gained.length && !data.lost.length && !data.changed.length)
        out.appendChild(el("p", { text: "No conclusion changes." }));
      out.appendChild(el("details", {}, [el("summary", { text: "Proofs of what changes" }), el("pre", { className: "explain", text: data.explanation })]));
      say(data.gained.length + " gained, " + data.lost.length + " lost");
    });
  }
  function word(v) { return v === null ? "unknown" : v ? "adopted" : "not adopted"; }
  function section(out, title, cls, lines) {
    if (!lines.length) return;
    out.appendChild(el("h3", { text: title + " (" + lines.length + ")" }));
    out.appendChild(el("ul", { className: cls }, lines.map(function (t) { return el("li", { text: t }); })));
  }
  $("panel-whatif").addEventListener("change", function (e) {
    if (e.target.id === "whatif-sets") return;
    clearTimeout(state.whatifTimer);
    state.whatifTimer = setTimeout(runWhatif, 150);
  });
  $("whatif-run").addEventListener("click", runWhatif);
  $("whatif-reset").addEventListener("click", function () {
    $("whatif-sets").value = "";
    if (state.last) buildWhatif(state.last);
    clear($("diff"));
  });

  // ------------------------------------------------------------- explore
  $("explore-run").addEventListener("click", function () {
    var out = clear($("explore-out"));
    say("exploring…", true);
    post("/api/explore", { text: editor.value, name: state.name }).then(function (res) {
      var data = res.data;
      if (!data.ok) { var ul = el("ul"); renderDiagnostics(ul, data.diagnostics); out.appendChild(ul); say("cannot explore"); return; }
      out.appendChild(el("p", { text: data.evaluated + " of " + data.space + " assignments evaluated" + (data.sampled ? " (sampled)" : "") }));
      var rows = data.outcomes.map(function (o) {
        return el("tr", {}, [el("td", { text: o.conclusion }), el("td", { text: o.follows_in + " of " + o.of }),
                             el("td", { text: o.pivotal.join(", ") }), el("td", { text: o.condition || "" })]);
      });
      out.appendChild(el("div", { className: "scroll" }, [el("table", {}, [
        el("thead", {}, [el("tr", {}, ["Conclusion", "Follows in", "Pivotal", "Condition"].map(function (h) { return el("th", { scope: "col", text: h }); }))]),
        el("tbody", {}, rows)])]));
      say(data.outcomes.length + " conclusion(s) depend on open facts");
    });
  });

  // ----------------------------------------------------------------- why
  $("why-form").addEventListener("submit", function () {
    var out = clear($("why-out"));
    say("explaining…", true);
    post("/api/explain", { text: editor.value, name: state.name, query: $("why-query").value }).then(function (res) {
      var data = res.data;
      if (!data.ok) { var ul = el("ul"); renderDiagnostics(ul, data.diagnostics); out.appendChild(ul); say("cannot explain"); return; }
      out.appendChild(el("p", { className: data.follows ? "yes" : "no", text: data.follows ? "It follows." : "It does not follow in force." }));
      out.appendChild(el("pre", { className: "explain", text: data.explanation }));
      say("");
    });
  });

  var first = $("case-picker").value;
  if (first) openCase(first);
})();
