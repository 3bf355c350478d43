// Long uploads and imports: say that the work is under way and stop a second click.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-busy]");
  if (!form || event.defaultPrevented) { return; }
  var note = form.querySelector(".busy");
  if (note) { note.textContent = form.getAttribute("data-busy"); note.hidden = false; }
  form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
    window.setTimeout(function () { b.disabled = true; }, 0);
  });
});
