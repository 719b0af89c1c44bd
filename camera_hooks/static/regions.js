// Region editor: draw each window's seat and desk polygon on the camera's picture with a
// mouse or a finger (Pointer Events). Vanilla JS, no build step. The regions live in the
// form's JSON field, which is what the server receives (and what works without JavaScript).
(function () {
  "use strict";
  var editor = document.querySelector("[data-region-editor]");
  if (!editor) { return; }
  var form = editor.closest("form");
  var field = form.querySelector("textarea[name=regions]");
  var canvas = editor.querySelector("[data-canvas]");
  var ctx = canvas.getContext("2d");
  var windowSelect = editor.querySelector("[data-window]");
  var kindInputs = editor.querySelectorAll("[data-kind]");
  var list = editor.querySelector("[data-list]");
  var width = parseInt(editor.getAttribute("data-width"), 10);
  var height = parseInt(editor.getAttribute("data-height"), 10);
  var labels = {seat: editor.getAttribute("data-label-seat"), desk: editor.getAttribute("data-label-desk")};
  var colours = {seat: "#3cb43c", desk: "#0b5cad"};
  var picture = new Image();
  var regions = [];
  var dragging = null;

  try {
    regions = JSON.parse(field.value || "[]").map(function (r) {
      return {window_code: r.window_code, kind: r.kind, polygon: r.polygon, closed: true};
    });
  } catch (error) { regions = []; }

  canvas.width = width;
  canvas.height = height;
  editor.hidden = false;
  form.querySelector("[data-json-field]").hidden = true;

  function kind() {
    for (var i = 0; i < kindInputs.length; i++) { if (kindInputs[i].checked) { return kindInputs[i].value; } }
    return "seat";
  }
  function current() {
    var code = windowSelect.value, k = kind();
    for (var i = 0; i < regions.length; i++) {
      if (regions[i].window_code === code && regions[i].kind === k) { return regions[i]; }
    }
    return null;
  }
  function select(region) {
    windowSelect.value = region.window_code;
    for (var i = 0; i < kindInputs.length; i++) { kindInputs[i].checked = kindInputs[i].value === region.kind; }
    render();
  }
  function scale() { return width / canvas.getBoundingClientRect().width; }
  function point(event) {
    var box = canvas.getBoundingClientRect(), s = scale();
    return [Math.round(Math.min(width - 1, Math.max(0, (event.clientX - box.left) * s))),
            Math.round(Math.min(height - 1, Math.max(0, (event.clientY - box.top) * s)))];
  }
  function near(a, b) {
    var reach = 14 * scale();
    return Math.abs(a[0] - b[0]) <= reach && Math.abs(a[1] - b[1]) <= reach;
  }
  function inside(p, polygon) {
    var hit = false;
    for (var i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
      var a = polygon[i], b = polygon[j];
      if ((a[1] > p[1]) !== (b[1] > p[1]) &&
          p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) { hit = !hit; }
    }
    return hit;
  }
  function sync() {
    field.value = JSON.stringify(regions.filter(function (r) { return r.closed && r.polygon.length >= 3; })
      .map(function (r) { return {window_code: r.window_code, kind: r.kind, polygon: r.polygon}; }));
  }

  function render() {
    var line = Math.max(2, width / 400), handle = Math.max(5, width / 160);
    var active = current();
    ctx.clearRect(0, 0, width, height);
    if (picture.complete && picture.naturalWidth) { ctx.drawImage(picture, 0, 0, width, height); }
    ctx.font = "600 " + Math.round(height / 30) + "px system-ui, sans-serif";
    regions.forEach(function (r) {
      if (!r.polygon.length) { return; }
      var mine = r === active;
      ctx.beginPath();
      r.polygon.forEach(function (p, i) { if (i) { ctx.lineTo(p[0], p[1]); } else { ctx.moveTo(p[0], p[1]); } });
      if (r.closed) { ctx.closePath(); }
      ctx.lineWidth = mine ? line * 2 : line;
      ctx.strokeStyle = colours[r.kind];
      ctx.setLineDash(r.closed ? [] : [line * 4, line * 3]);
      ctx.stroke();
      if (mine && r.closed) { ctx.fillStyle = "rgba(255,255,255,0.15)"; ctx.fill(); }
      ctx.setLineDash([]);
      var x = Math.min.apply(null, r.polygon.map(function (p) { return p[0]; }));
      var y = Math.min.apply(null, r.polygon.map(function (p) { return p[1]; }));
      var text = r.window_code + " " + labels[r.kind];
      ctx.lineWidth = line * 2; ctx.strokeStyle = "#222"; ctx.strokeText(text, x + 4, Math.max(y - 6, height / 30));
      ctx.fillStyle = "#fff"; ctx.fillText(text, x + 4, Math.max(y - 6, height / 30));
      if (mine) {
        r.polygon.forEach(function (p, i) {
          ctx.beginPath();
          ctx.arc(p[0], p[1], i === 0 && !r.closed ? handle * 1.5 : handle, 0, 2 * Math.PI);
          ctx.fillStyle = i === 0 && !r.closed ? "#ffcc00" : "#fff";
          ctx.fill(); ctx.lineWidth = line; ctx.strokeStyle = colours[r.kind]; ctx.stroke();
        });
      }
    });
    list.innerHTML = "";
    regions.filter(function (r) { return r.polygon.length; }).forEach(function (r) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button"; button.className = "btn";
      button.textContent = r.window_code + " · " + labels[r.kind] + (r.closed ? "" : " …");
      button.addEventListener("click", function () { select(r); });
      if (r === active) { item.className = "current"; }
      item.appendChild(button); list.appendChild(item);
    });
  }

  canvas.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    var p = point(event), region = current();
    if (region) {
      for (var i = 0; i < region.polygon.length; i++) {
        if (near(p, region.polygon[i])) {
          if (i === 0 && !region.closed && region.polygon.length >= 3) {
            region.closed = true; sync(); render(); return;
          }
          dragging = {region: region, index: i};
          canvas.setPointerCapture(event.pointerId);
          return;
        }
      }
      if (region.closed) {  // a tap inside another region selects it
        for (var j = 0; j < regions.length; j++) {
          if (regions[j] !== region && regions[j].closed && inside(p, regions[j].polygon)) { select(regions[j]); return; }
        }
        return;
      }
    } else {
      region = {window_code: windowSelect.value, kind: kind(), polygon: [], closed: false};
      regions.push(region);
    }
    region.polygon.push(p);
    render();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!dragging) { return; }
    dragging.region.polygon[dragging.index] = point(event);
    render();
  });
  function drop() { if (dragging) { dragging = null; sync(); render(); } }
  canvas.addEventListener("pointerup", drop);
  canvas.addEventListener("pointercancel", drop);

  editor.querySelector("[data-action=undo]").addEventListener("click", function () {
    var region = current();
    if (!region) { return; }
    if (region.closed) { region.closed = false; } else { region.polygon.pop(); }
    if (!region.polygon.length) { regions.splice(regions.indexOf(region), 1); }
    sync(); render();
  });
  editor.querySelector("[data-action=clear]").addEventListener("click", function () {
    var region = current();
    if (region) { regions.splice(regions.indexOf(region), 1); sync(); render(); }
  });
  windowSelect.addEventListener("change", render);
  for (var i = 0; i < kindInputs.length; i++) { kindInputs[i].addEventListener("change", render); }
  form.addEventListener("submit", function () {
    regions.forEach(function (r) { if (!r.closed && r.polygon.length >= 3) { r.closed = true; } });
    sync();
  });
  picture.addEventListener("load", render);
  picture.src = editor.getAttribute("data-src");
  render();
})();
