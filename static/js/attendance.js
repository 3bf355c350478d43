// The daily grid from the keyboard: one key per status (1-6, 0 clears), the key moves to the
// next row, arrows move between rows, Enter saves. A save posts only the rows changed on this
// page, so two people on one grid collide only on the same row. Leaving the page with changes
// not saved makes the browser ask first (saving does not). The page works without it.
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
  var saving = false;  // set by the grid's own submission: leaving to save asks nothing
  var saveButton = form.querySelector("[data-testid=grid-save]") || form.querySelector("button[type=submit], input[type=submit]");

  function rowOf(el) { return el.closest("tr[data-row]"); }
  function fields(row) { return row.querySelectorAll("input, select"); }
  function current(el) { return el.type === "checkbox" ? String(el.checked) : el.value; }
  // What each row showed when the page was drawn; a row shown as submitted after a refused
  // save (data-changed from the server) is still a change to save.
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  var initial = rows.map(function (row) {
    return Array.prototype.map.call(fields(row), current).join("\u0000");
  });
  function changed(row) {
    var i = rows.indexOf(row);
    return row.hasAttribute("data-server-changed") ||
      Array.prototype.map.call(fields(row), current).join("\u0000") !== initial[i];
  }
  rows.forEach(function (row) {
    if (row.hasAttribute("data-changed")) { row.setAttribute("data-server-changed", ""); }
  });
  function track(row) {
    if (!row) { return; }
    if (changed(row)) { row.setAttribute("data-changed", ""); } else { row.removeAttribute("data-changed"); }
  }
  function mark(select) {
    var row = rowOf(select);
    if (row) {
      row.classList.add("changed");
      row.classList.toggle("unrecorded", !select.value);
      track(row);
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
    if (event.target.matches("select[data-status]")) { mark(event.target); } else { track(rowOf(event.target)); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.matches("input[data-note]")) { track(rowOf(event.target)); }
  });
  // Post only the changed rows: an unchanged row's inputs are disabled for the submission
  // (disabled fields are not sent). The server's "fill" button also takes the rows that
  // were unrecorded when the page opened, so those stay in when it is the button pressed.
  form.addEventListener("submit", function (event) {
    saving = true;
    var filling = event.submitter && event.submitter.name === "fill";
    rows.forEach(function (row) {
      var version = row.querySelector("input[name^='v-']");
      var unrecorded = version && version.value === "0" && !row.querySelector("select[data-status]").value;
      if (!changed(row) && !(filling && unrecorded)) {
        Array.prototype.forEach.call(fields(row), function (el) {
          if (!el.disabled) { el.disabled = true; el.setAttribute("data-unposted", ""); }
        });
      }
    });
    // Back from the browser's cache (or a cancelled submission), the rows are usable again.
    window.setTimeout(function () {
      form.querySelectorAll("[data-unposted]").forEach(function (el) {
        el.disabled = false; el.removeAttribute("data-unposted");
      });
    }, 0);
  });

  // Unsaved changes are not lost by a click elsewhere, a closed tab or a reload: the browser
  // asks first. Saving is leaving too, and does not ask.
  window.addEventListener("beforeunload", function (event) {
    if (saving || !rows.some(changed)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });
  // Back from the browser's cache after a save, the page is the one being edited again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { saving = false; }
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
