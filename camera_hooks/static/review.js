// Keyboard review of camera flags (no build step, no library). Every action is also a button.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function go(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.href = link.href; }
  }
  var confirmForm = document.querySelector("[data-confirm-form]");
  var dismissForm = document.querySelector("[data-dismiss-form]");
  var help = document.querySelector("details.keys");

  if (dismissForm) {
    dismissForm.querySelectorAll("[data-reason]").forEach(function (button) {
      button.addEventListener("click", function () {
        dismissForm.querySelector("textarea").value = button.getAttribute("data-reason");
        dismissForm.submit();
      });
    });
  }

  // The queue: j / k move the selection, Enter opens it; a click on a row opens it too.
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue] tr[data-href]"));
  var selected = -1;
  function select(index) {
    if (!rows.length) { return; }
    if (selected >= 0) { rows[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows[selected].classList.add("selected");
    rows[selected].scrollIntoView({block: "nearest"});
  }
  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a")) { return; }
      window.location.href = row.getAttribute("data-href");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key;
    if (rows.length) {
      if (key === "j" || key === "ArrowDown") { select(selected + 1); event.preventDefault(); }
      else if (key === "k" || key === "ArrowUp") { select(selected - 1); event.preventDefault(); }
      else if (key === "Enter" && selected >= 0) { window.location.href = rows[selected].getAttribute("data-href"); }
      return;
    }
    if (key === "c" && confirmForm) { event.preventDefault(); confirmForm.submit(); }
    else if (key === "d" && dismissForm) { event.preventDefault(); dismissForm.querySelector("textarea").focus(); }
    else if (/^[1-9]$/.test(key) && dismissForm) {
      var quick = dismissForm.querySelectorAll("[data-reason]")[parseInt(key, 10) - 1];
      if (quick) { event.preventDefault(); quick.click(); }
    }
    else if (key === "j" || key === "ArrowRight") { go("[data-key-next]"); }
    else if (key === "k" || key === "ArrowLeft") { go("[data-key-prev]"); }
    else if (key === "q") { go("[data-key-queue]"); }
    else if (key === "?" && help) { help.open = !help.open; }
  });
})();
