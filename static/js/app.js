// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// The navigation: Menu opens and closes the bar on a phone; a group's menu closes when
// another opens, on Escape, or on a click outside it.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var button = event.target.closest(".navbutton");
  if (button) {
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  Array.prototype.forEach.call(document.querySelectorAll("details.navgroup[open]"), function (group) {
    if (!group.contains(event.target)) { group.removeAttribute("open"); }
  });
});
document.addEventListener("toggle", function (event) {
  var group = event.target;
  if (!group.matches || !group.matches("details.navgroup") || !group.open) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("details.navgroup[open]"), function (other) {
    if (other !== group) { other.removeAttribute("open"); }
  });
}, true);
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") { return; }
  var group = document.activeElement && document.activeElement.closest("details.navgroup[open]");
  if (group) { group.removeAttribute("open"); group.querySelector("summary").focus(); }
});

// The Content-Security-Policy allows no inline handlers or style attributes:
// print buttons and bar widths are wired here instead.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-percent]").forEach(function (bar) {
    var value = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
    bar.style.width = value + "%";
  });
});
