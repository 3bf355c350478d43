// The daily grid from the keyboard: one key per status (1-6, 0 clears), the key moves to the
// next row, arrows move between rows, Enter saves. The page works without it.
(function () {
  "use strict";
  var form = document.getElementById("grid-form");
  if (!form) { return; }
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-status]"));
  if (!selects.length) { return; }
  var keys = {};
  Array.prototype.forEach.call(selects[0].options, function (opt) {
    if (opt.dataset.key) { keys[opt.dataset.key] = opt.value; }
  });
  var saveButton = form.querySelector("[data-testid=grid-save]") || form.querySelector("button[type=submit], input[type=submit]");

  function rowOf(el) { return el.closest("tr[data-row]"); }
  function mark(select) {
    var row = rowOf(select);
    if (row) {
      row.classList.add("changed");
      row.classList.toggle("unrecorded", !select.value);
    }
  }
  function move(select, delta) {
    var i = selects.indexOf(select) + delta;
    if (i >= 0 && i < selects.length) {
      selects[i].focus();
      var row = rowOf(selects[i]);
      if (row && row.scrollIntoView) { row.scrollIntoView({ block: "nearest" }); }
    }
  }
  function save() {
    if (!saveButton) { return; }
    if (form.requestSubmit) { form.requestSubmit(saveButton); } else { saveButton.click(); }
  }

  form.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (target.matches("select[data-status]")) {
      if (Object.prototype.hasOwnProperty.call(keys, event.key) || event.key === "0") {
        event.preventDefault();
        target.value = event.key === "0" ? "" : keys[event.key];
        mark(target);
        move(target, 1);
      } else if (event.key === "ArrowDown") {
        event.preventDefault(); move(target, 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault(); move(target, -1);
      } else if (event.key === "Enter") {
        event.preventDefault(); save();
      }
    } else if (target.matches("input[data-note]") && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var select = rowOf(target).querySelector("select[data-status]");
      event.preventDefault();
      move(select, event.key === "ArrowDown" ? 1 : -1);
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches("select[data-status]")) { mark(event.target); }
  });

  var fill = form.querySelector("[data-fill-present]");
  if (fill) {
    fill.hidden = false;
    fill.addEventListener("click", function () {
      selects.forEach(function (s) {
        if (!s.value && !s.disabled) { s.value = keys["1"]; mark(s); }
      });
    });
  }
  // Start where the work is: the first unrecorded row (or the first row).
  if (!document.querySelector(".att-messages")) {
    var first = selects.filter(function (s) { return !s.value && !s.disabled; })[0] || selects[0];
    if (!first.disabled) { first.focus(); }
  }
})();
