/* Task board and task page behaviours (loaded as a file: the Content-Security-Policy forbids inline
   script). Everything works without it through plain form posts; this adds in-place updates, focus
   management and the "n selected" count. */
(function () {
  "use strict";

  // A refused move (400 bad input, 403 not your role, 409 illegal, 412 stale) comes back as the card with
  // its explanation: show it in place instead of htmx's default of ignoring error responses.
  var EXPLAINED = { 400: true, 403: true, 409: true, 412: true };
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && EXPLAINED[xhr.status]) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function announce(text) {
    var live = document.getElementById("board-live");
    if (live) live.textContent = text;
  }

  // Anything else (404: the task is gone or no longer yours; 500; network) is announced, not swapped.
  document.addEventListener("htmx:responseError", function (event) {
    var board = document.getElementById("board");
    var text = board ? board.getAttribute("data-error-text") : "";
    announce(text || "The change could not be made. Reload the page.");
  });
  document.addEventListener("htmx:sendError", function () {
    var board = document.getElementById("board");
    announce((board && board.getAttribute("data-offline-text")) || "The server could not be reached.");
  });

  // After a swap, keyboard focus lands on what changed (the moved card, the bulk results) instead of
  // falling back to the top of the page.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-board-focus]");
    if (target) {
      target.removeAttribute("data-board-focus");
      target.focus({ preventScroll: false });
    }
    updateCount();
  });

  // "n selected" next to the bulk action, and the button disabled while nothing is ticked.
  function updateCount() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var boxes = document.querySelectorAll('input[name="tasks"][form="bulk-form"]');
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    var label = document.getElementById("bulk-count");
    if (label) {
      if (!label.hasAttribute("data-empty")) label.setAttribute("data-empty", label.textContent);
      label.textContent = ticked ? ticked + " " + (label.getAttribute("data-selected") || "selected") : label.getAttribute("data-empty");
    }
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = ticked === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('input[name="tasks"]')) updateCount();
  });
  document.addEventListener("DOMContentLoaded", updateCount);

  // A moved card's buttons are disabled while its request runs, so a double press cannot send two moves.
  document.addEventListener("htmx:beforeSend", function (event) {
    var form = event.target.closest && event.target.closest(".board-card__moves");
    if (form) form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest(".board-card__moves");
    if (form && document.body.contains(form)) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }
  });
})();
