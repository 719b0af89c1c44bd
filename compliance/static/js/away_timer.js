// The running timer of a temporary absence (暂离): minutes:seconds since the person left,
// turning red once longer than the rulebook's limit (data-limit-minutes).
(function () {
  var box = document.querySelector('[data-away-since]');
  if (!box) return;
  var since = Date.parse(box.getAttribute('data-away-since'));
  var limit = parseInt(box.getAttribute('data-limit-minutes'), 10) * 60;
  var out = box.querySelector('[data-timer]');
  var over = box.querySelector('[data-over]');
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    var seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    out.textContent = (h ? h + ':' + pad(m) : pad(m)) + ':' + pad(s);
    var late = seconds > limit;
    box.classList.toggle('is-over', late);
    if (over) over.hidden = !late;
  }
  tick();
  setInterval(tick, 1000);
})();
