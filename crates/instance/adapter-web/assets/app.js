// ECKWMS web UI: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // Tell the server the browser's offset from UTC (minutes east), so that times are shown in
  // local time from the next page on.
  var offset = -new Date().getTimezoneOffset();
  var sent = document.cookie.split("; ").filter(function (c) {
    return c.indexOf("eckwms_tz=") === 0;
  })[0];
  if (sent !== "eckwms_tz=" + offset) {
    document.cookie = "eckwms_tz=" + offset + "; path=/; max-age=31536000; SameSite=Strict";
  }

  // A keyboard-wedge scanner types into the focused field and sends Enter: the scan field
  // keeps the focus unless the user moves it to another field on purpose.
  var scan = document.querySelector("[data-keep-focus]");
  if (scan) {
    scan.focus();
    scan.select();
    document.addEventListener("click", function (event) {
      var target = event.target;
      var interactive = target.closest && target.closest("input, select, textarea, button, a, summary");
      if (!interactive) {
        scan.focus();
      }
    });
  }

  // Forms that change something irreversible ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
