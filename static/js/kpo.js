/* KPO Desk page behaviours. Loaded as a file (the Content-Security-Policy forbids inline script);
   every page works without it: this only adds comfort. */
(function () {
  "use strict";

  // Menus built on <details data-dismissable>: close on Escape and on a click outside.
  function closeMenus(except) {
    document.querySelectorAll("details[data-dismissable][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details[data-dismissable]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-dismissable][open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  // Filter forms marked data-autosubmit refresh their results (through htmx when loaded) after a change
  // of a select; text search waits for the user to pause typing (handled by hx-trigger in the markup).
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (!form || event.target.tagName !== "SELECT") return;
    if (window.htmx) {
      window.htmx.trigger(form, "submit");
    } else {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // "Copy" buttons next to a secret shown once (the API token).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button || !navigator.clipboard) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.getAttribute("data-copied-label");
      if (label) {
        button.textContent = label;
      }
    });
  });

  // After htmx swaps a region that asks for it, move focus there so keyboard and screen reader users
  // land on the new content (e.g. a filtered result list).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.hasAttribute("data-focus-after-swap") && event.detail.requestConfig &&
        event.detail.requestConfig.triggeringEvent && event.detail.requestConfig.triggeringEvent.type === "submit") {
      target.focus({ preventScroll: true });
    }
  });
})();
