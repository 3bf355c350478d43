// The round pages: a progress bar while the matcher runs, a row filter (print buttons are app.js's).
// Every page works without it.
(function () {
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var bar = form.querySelector("progress");
      var button = form.querySelector("button[type=submit]");
      // Show the bar only when the run takes longer than a second.
      window.setTimeout(function () {
        if (bar) { bar.hidden = false; bar.setAttribute("aria-label", form.getAttribute("data-progress")); }
      }, 1000);
      if (button) { button.disabled = true; button.textContent = form.getAttribute("data-progress"); }
    });
  });
  // Print buttons (data-print) are handled by app.js on every page.
  document.querySelectorAll("input.row-filter").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-target"));
    if (!table) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
})();
