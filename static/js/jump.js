// The grid's jump-to-name box: type part of a name or post code and press Enter to go
// to the first matching row (its status box gets the focus); Enter again goes to the
// next match. A clerk reaches an exception in a 300-row grid without pressing ↓ 300 times.
(function () {
  "use strict";
  var box = document.querySelector("[data-jump-to-name]");
  if (!box) { return; }
  var status = document.querySelector("[data-jump-status]");
  var last = { text: null, index: -1 };

  function matches(text) {
    var wanted = text.trim().toLowerCase();
    if (!wanted) { return []; }
    return Array.prototype.filter.call(document.querySelectorAll("tr[data-row]"), function (row) {
      var name = row.querySelector("[data-name]"), code = row.querySelector("[data-code]");
      return (name && name.textContent.toLowerCase().indexOf(wanted) >= 0) ||
             (code && code.textContent.toLowerCase().indexOf(wanted) >= 0);
    });
  }

  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // never submit the grid from here
    var found = matches(box.value);
    Array.prototype.forEach.call(document.querySelectorAll("tr.jumped"), function (r) { r.classList.remove("jumped"); });
    if (!found.length) {
      status.textContent = box.getAttribute("data-none") || "—";
      return;
    }
    last.index = box.value === last.text ? (last.index + 1) % found.length : 0;
    last.text = box.value;
    var row = found[last.index];
    row.classList.add("jumped");
    row.scrollIntoView({ block: "center" });
    var target = row.querySelector("select[data-status]") || row.querySelector("input, select");
    if (target) { target.focus(); }
    status.textContent = (last.index + 1) + " / " + found.length;
  });
})();
