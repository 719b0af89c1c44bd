// The tablet checklist (SPEC §4): one-tap answers, a draft kept in the browser through a
// reload or a dropped connection, a submit carrying a client-made id (a retry never makes a
// second inspection), then the photos, each with its own id. Without this script the page is
// a plain form that posts everything at once.
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  var form = document.getElementById("checklist");
  if (!form) { return; }

  var MAX_EDGE = 2048;        // photos are shrunk on the tablet before the upload
  var RETRY_MS = 15000;       // while offline, try again this often (and when back online)
  var data = form.dataset;
  var key = "inspection-draft:" + data.draftKey;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var statusBox = form.querySelector("[data-status]");
  var personSelect = form.querySelector("[data-person]");
  var items = Array.prototype.slice.call(form.querySelectorAll("div.item"));
  var busy = false;
  var retryTimer = null;
  var memoryPhotos = {};      // used when IndexedDB is unavailable (private browsing)

  // --- storage -------------------------------------------------------------------------
  function readDraft() {
    try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; }
  }
  function save() {
    draft.updated = new Date().toISOString();
    try { window.localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* full */ }
  }
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open("inspections", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("photos"); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function photoStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("photos", mode);
        var request = action(tx.objectStore("photos"));
        tx.oncomplete = function () { resolve(request && request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function putPhoto(id, blob) {
    return photoStore("readwrite", function (s) { return s.put(blob, id); })
      .catch(function () { memoryPhotos[id] = blob; });
  }
  function getPhoto(id) {
    if (memoryPhotos[id]) { return Promise.resolve(memoryPhotos[id]); }
    return photoStore("readonly", function (s) { return s.get(id); }).catch(function () { return null; });
  }
  function dropPhoto(id) {
    delete memoryPhotos[id];
    return photoStore("readwrite", function (s) { return s.delete(id); }).catch(function () {});
  }
  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- the draft -----------------------------------------------------------------------
  var draft = readDraft();
  if (draft && draft.state === "editing" && String(draft.version) !== data.templateVersion) {
    // Continue on the version the draft was started with (past answers keep their meaning).
    window.location.replace(data.versionUrl.replace(/version=0/, "version=" + draft.version));
    return;
  }
  var restored = Boolean(draft);
  if (!draft) {
    draft = { clientId: form.elements.client_id.value, version: data.templateVersion,
              startedAt: null, staffNo: personSelect ? personSelect.value : "",
              answers: {}, notes: {}, note: "", photos: [], state: "editing" };
  }
  form.elements.client_id.value = draft.clientId;

  function setStatus(text, kind) {
    statusBox.textContent = text || "";
    statusBox.className = "sync-status" + (kind ? " " + kind : "");
  }
  function message(name, values) {
    var text = data["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    return text;
  }
  function gender() {
    if (!personSelect) { return ""; }
    var option = personSelect.options[personSelect.selectedIndex];
    return option ? option.getAttribute("data-gender") || "" : "";
  }
  function applies(item) {
    var who = item.getAttribute("data-applies");
    var g = gender();
    return who === "any" || !g || who === g;
  }
  function visibleItems() { return items.filter(function (item) { return !item.hidden; }); }
  function itemCode(item) { return item.getAttribute("data-item"); }

  function refresh() {
    items.forEach(function (item) {
      item.hidden = !applies(item);
      var answer = draft.answers[itemCode(item)];
      item.classList.toggle("is-failed", answer === "fail");
      item.classList.toggle("is-answered", Boolean(answer));
    });
    var shown = visibleItems();
    var done = shown.filter(function (item) { return draft.answers[itemCode(item)]; }).length;
    var bar = form.querySelector("[data-progress]");
    bar.max = shown.length || 1;
    bar.value = done;
    form.querySelector("[data-progress-text]").textContent = done + " / " + shown.length;
  }

  function renderThumbs(code) {
    var item = document.getElementById("item-" + code);
    if (!item) { return; }
    var box = item.querySelector("[data-thumbs]");
    box.textContent = "";
    draft.photos.filter(function (p) { return p.item === code; }).forEach(function (photo) {
      getPhoto(photo.id).then(function (blob) {
        var figure = document.createElement("figure");
        figure.className = "thumb";
        figure.setAttribute("data-photo-id", photo.id);
        if (blob) {
          var img = document.createElement("img");
          img.src = URL.createObjectURL(blob);
          img.alt = "";
          figure.appendChild(img);
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", message("remove"));
        remove.addEventListener("click", function () {
          draft.photos = draft.photos.filter(function (p) { return p.id !== photo.id; });
          dropPhoto(photo.id);
          save();
          renderThumbs(code);
        });
        figure.appendChild(remove);
        box.appendChild(figure);
      });
    });
  }

  function restore() {
    if (personSelect && draft.staffNo !== undefined && restored) { personSelect.value = draft.staffNo; }
    Object.keys(draft.answers).forEach(function (code) {
      var input = form.querySelector('input[name="answer-' + CSS.escape(code) + '"][value="' + draft.answers[code] + '"]');
      if (input) { input.checked = true; }
    });
    Object.keys(draft.notes).forEach(function (code) {
      var area = document.getElementById("note-" + code);
      if (area) { area.value = draft.notes[code]; }
    });
    if (form.elements.note) { form.elements.note.value = draft.note || form.elements.note.value; }
    var codes = {};
    draft.photos.forEach(function (p) { codes[p.item] = true; });
    Object.keys(codes).forEach(renderThumbs);
    refresh();
    if (restored && (Object.keys(draft.answers).length || draft.photos.length)) {
      setStatus(message("restored"), "info");
    }
  }

  // --- answering -----------------------------------------------------------------------
  function answer(code, value) {
    if (!draft.startedAt) { draft.startedAt = new Date().toISOString(); }
    draft.answers[code] = value;
    var item = document.getElementById("item-" + code);
    item.classList.remove("has-error");
    item.querySelector("[data-item-error]").textContent = "";
    save();
    refresh();
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (draft.state !== "editing") { return; }
    if (target.type === "radio" && target.name.indexOf("answer-") === 0) {
      answer(target.name.slice(7), target.value);
      if (target.value === "fail") {
        var area = document.getElementById("note-" + target.name.slice(7));
        if (area && !area.value) { area.focus(); }
      }
    } else if (target === personSelect) {
      draft.staffNo = personSelect.value;
      save();
      refresh();
    } else if (target.hasAttribute("data-photo")) {
      var code = target.closest("div.item").getAttribute("data-item");
      var files = Array.prototype.slice.call(target.files);
      target.value = "";  // the photos live in the draft now, not in the form
      Promise.all(files.map(function (file) {
        return shrink(file).then(function (blob) {
          var id = randomId();
          return putPhoto(id, blob).then(function () { draft.photos.push({ id: id, item: code }); });
        });
      })).then(function () { save(); renderThumbs(code); });
    }
  });
  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.tagName !== "TEXTAREA") { return; }
    if (target.name === "note") { draft.note = target.value; }
    else { draft.notes[target.name.slice(5)] = target.value; }
    save();
  });
  form.querySelectorAll("[data-rest-pass]").forEach(function (button) {
    button.addEventListener("click", function () {
      var section = button.closest("section");
      section.querySelectorAll("div.item").forEach(function (item) {
        var code = itemCode(item);
        if (item.hidden || draft.answers[code]) { return; }
        item.querySelector('input[value="pass"]').checked = true;
        answer(code, "pass");
      });
    });
  });

  function shrink(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });  // not decodable here: the server says why
  }

  // --- submitting ----------------------------------------------------------------------
  function markItem(code, text) {
    var item = document.getElementById("item-" + code);
    if (!item) { return null; }
    item.classList.add("has-error");
    item.querySelector("[data-item-error]").textContent = text;
    return item;
  }
  function check() {
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    var first = null;
    var missing = 0;
    visibleItems().forEach(function (item) {
      var code = itemCode(item);
      var value = draft.answers[code];
      var marked = null;
      if (!value) { missing += 1; marked = markItem(code, ""); }
      else if (value === "fail" && !(draft.notes[code] || "").trim()) { marked = markItem(code, message("note")); }
      first = first || marked;
    });
    if (data.subject === "person" && personSelect && !personSelect.value) {
      personSelect.closest(".field").classList.add("has-error");
      first = first || personSelect;
      setStatus(message("person"), "error");
    } else if (missing) {
      setStatus(message("missing", { n: missing }), "error");
    } else if (first) {
      setStatus(message("error"), "error");
    }
    if (first) { first.scrollIntoView({ block: "center" }); }
    return !first;
  }

  function payload() {
    var answers = visibleItems().map(function (item) {
      var code = itemCode(item);
      var entry = { item: code, result: draft.answers[code] };
      if (entry.result === "fail") { entry.note = (draft.notes[code] || "").trim(); }
      return entry;
    });
    var body = { client_id: draft.clientId, template: data.template,
                 template_version: Number(data.templateVersion), window_code: data.window,
                 at: draft.startedAt || new Date().toISOString(), answers: answers,
                 note: (draft.note || "").trim() };
    if (data.subject !== "zone" && personSelect && personSelect.value) { body.staff_no = personSelect.value; }
    if (data.task) { body.task_id = Number(data.task); }
    if (data.centreCode) { body.centre_code = data.centreCode; }
    return body;
  }

  function lock(locked) {
    form.classList.toggle("is-sending", locked);
    form.querySelectorAll("input, select, textarea, button").forEach(function (el) {
      if (el.type !== "hidden") { el.disabled = locked; }
    });
  }

  function later(fn) {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(fn, RETRY_MS);
  }
  window.addEventListener("online", function () { resume(); });

  function post(url, body, isJson) {
    var headers = { "X-CSRFToken": csrf, "Accept": "application/json" };
    if (isJson) { headers["Content-Type"] = "application/json"; }
    return window.fetch(url, { method: "POST", headers: headers, credentials: "same-origin",
                               body: isJson ? JSON.stringify(body) : body })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          return { status: response.status, body: json };
        });
      });
  }

  function send() {
    if (busy) { return; }
    busy = true;
    lock(true);
    setStatus(message("sending"), "info");
    post(data.submitUrl, draft.payload, true).then(function (answer) {
      busy = false;
      if (answer.status === 200 || answer.status === 201) {
        draft.state = "photos";
        draft.inspectionId = answer.body.id;
        save();
        uploadPhotos();
      } else if (answer.status === 401 || (answer.body.error && answer.body.error.code === "csrf")) {
        setStatus(message("session"), "error");
        draft.state = "editing";
        save();
        lock(false);
      } else if (answer.status >= 500) {
        setStatus(message("offline"), "warn");
        later(send);
      } else {
        draft.state = "editing";
        save();
        lock(false);
        showErrors(answer.body.error || {});
      }
    }).catch(function () {
      busy = false;
      setStatus(message("offline"), "warn");
      later(send);
    });
  }

  function showErrors(error) {
    var fields = error.fields || {};
    var first = null;
    Object.keys(fields).forEach(function (name) {
      var match = /^answers\.(\d+)\./.exec(name);
      if (match && draft.payload.answers[Number(match[1])]) {
        first = first || markItem(draft.payload.answers[Number(match[1])].item, fields[name]);
      }
    });
    var general = Object.keys(fields).filter(function (n) { return !/^answers\.\d+\./.test(n); })
      .map(function (n) { return fields[n]; });
    setStatus([error.message || message("error")].concat(general).join(" "), "error");
    if (first) { first.scrollIntoView({ block: "center" }); }
  }

  function failedItems() {
    var failed = {};
    (draft.payload ? draft.payload.answers : []).forEach(function (a) {
      if (a.result === "fail") { failed[a.item] = true; }
    });
    return failed;
  }

  function uploadPhotos() {
    if (busy) { return; }
    var failed = failedItems();
    var pending = draft.photos.filter(function (p) { return !p.done && !p.error && failed[p.item]; });
    var total = draft.photos.filter(function (p) { return failed[p.item]; }).length;
    if (!pending.length) { finish(); return; }
    busy = true;
    var photo = pending[0];
    setStatus(message("photos", { done: total - pending.length, total: total }), "info");
    getPhoto(photo.id).then(function (blob) {
      if (!blob) { photo.error = "—"; save(); busy = false; uploadPhotos(); return; }
      var body = new FormData();
      body.append("file", blob, "photo.jpg");
      body.append("item", photo.item);
      body.append("client_id", photo.id);
      var url = data.photoUrl.replace("/0/", "/" + draft.inspectionId + "/");
      post(url, body, false).then(function (answer) {
        busy = false;
        if (answer.status === 200 || answer.status === 201) {
          photo.done = true;
          dropPhoto(photo.id);
        } else if (answer.status >= 500 || answer.status === 401) {
          setStatus(message("offline"), "warn");
          later(uploadPhotos);
          return;
        } else {
          photo.error = (answer.body.error && answer.body.error.message) || String(answer.status);
        }
        save();
        uploadPhotos();
      }).catch(function () {
        busy = false;
        setStatus(message("offline"), "warn");
        later(uploadPhotos);
      });
    });
  }

  function finish() {
    var report = data.reportUrl.replace(/\/0$/, "/" + draft.inspectionId);
    var problems = draft.photos.filter(function (p) { return p.error; });
    draft.photos.forEach(function (p) { dropPhoto(p.id); });
    window.localStorage.removeItem(key);
    if (!problems.length) { window.location.assign(report); return; }
    setStatus(message("photoFailed") + " " + problems.map(function (p) { return p.error; }).join(" "), "error");
    var link = document.createElement("a");
    link.href = report;
    link.className = "btn primary";
    link.textContent = message("continue");
    statusBox.appendChild(document.createTextNode(" "));
    statusBox.appendChild(link);
  }

  function resume() {
    if (draft.state === "sending") { send(); }
    else if (draft.state === "photos") { uploadPhotos(); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (draft.state !== "editing" || busy) { return; }
    if (!check()) { return; }
    draft.payload = payload();
    draft.state = "sending";
    save();
    send();
  });

  restore();
  if (draft.state !== "editing") { lock(true); resume(); }
})();
