// The attendance board refreshes itself without reloading the page; report pages print.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var board = document.querySelector("[data-board-refresh]");
  if (!board || !window.fetch) { return; }
  var seconds = parseInt(board.getAttribute("data-seconds"), 10) || 60;
  var url = board.getAttribute("data-board-refresh");
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        board.innerHTML = data.html;
        board.removeAttribute("data-stale");
      })
      .catch(function () { board.setAttribute("data-stale", "true"); });
  }
  window.setInterval(refresh, seconds * 1000);
})();
