/* Yanxiu upload check: a file too large or of a type not allowed is refused in the browser, before
 * anything is sent. On a weak line the whole file went up first (minutes) only to be refused, and
 * the refusal page lost the typed answer. The input carries the limit (data-max-bytes), the allowed
 * extensions (accept) and the messages in the page's language (data-too-large, data-not-allowed):
 * this file holds no page text. The server's checks stay the authority. Plain ES5 for old phones. */
(function () {
  "use strict";

  // As the server reads it (uploads.clean_name, uploads.extension): never stricter than the server.
  function extension(name) {
    var clean = name.replace(/^\s+|\s+$/g, "").replace(/^\.+|\.+$/g, "");
    var dot = clean.lastIndexOf(".");
    return dot < 0 ? "" : clean.slice(dot + 1).toLowerCase();
  }

  function allowedOf(input) {
    var list = (input.getAttribute("accept") || "").split(","), out = [], i, ext;
    for (i = 0; i < list.length; i++) {
      ext = list[i].replace(/^\s+|\s+$/g, "");
      if (ext.charAt(0) === ".") { out.push(ext.slice(1).toLowerCase()); }
    }
    return out;
  }

  function watch(input) {
    var form = input.form;
    var box = document.getElementById(input.getAttribute("aria-describedby"));
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var allowed = allowedOf(input);
    var refused = false;
    if (!form || !box) { return; }

    // The same order as the server: the type first, then the size.
    function problem(file) {
      if (allowed.length && allowed.indexOf(extension(file.name)) < 0) { return input.getAttribute("data-not-allowed"); }
      if (max > 0 && file.size > max) { return input.getAttribute("data-too-large"); }
      return null;
    }

    // True when the chosen file (if any) may be sent.
    function check() {
      var file = input.files && input.files[0];
      if (!file) { return true; }
      var message = problem(file);
      if (!message) {
        refused = false;
        box.textContent = "";
        box.setAttribute("hidden", "");
        return true;
      }
      box.textContent = message;
      box.removeAttribute("hidden");
      input.value = "";  // nothing of it is sent, even if the form is sent without another choice
      refused = true;
      return false;
    }

    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (check() && !refused) { return; }
      // Stopped once, so whoever pressed Submit without reading sees the message by the input; the
      // message says that pressing again sends the answer without a file.
      refused = false;
      event.preventDefault();
      input.focus();
    });
  }

  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
  for (var i = 0; i < inputs.length; i++) { watch(inputs[i]); }
}());
