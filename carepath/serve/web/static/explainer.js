// carepath explainer: a little script on top of plain form posts (everything works without it).
// It offers the answers so far as a case file to download, made in the browser: nothing is sent.
(function () {
  "use strict";
  var form = document.getElementById("explainer");
  var save = document.getElementById("save");
  if (!form || !save) { return; }
  function value(input) {
    var text = input.value, kind = input.getAttribute("data-type");
    if (text === "unknown" || text === "declined") { return text; }
    if (kind === "bool") { return text === "yes"; }
    if (kind === "int" || kind === "number") { return Number(text); }
    if (kind === "set") { return text ? text.split(",") : []; }
    return text;
  }
  var answers = {}, count = 0;
  form.querySelectorAll('input[type="hidden"][name^="a:"]').forEach(function (input) {
    answers[input.name.slice(2)] = value(input);
    count += 1;
  });
  if (count === 0) { return; }
  save.hidden = false;
  save.addEventListener("click", function () {
    var blob = new Blob([JSON.stringify({ answers: answers }, null, 2) + "\n"], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "case.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
  });
  var first = document.querySelector("#question input:not([type=hidden])");
  if (first) { first.focus({ preventScroll: true }); }
}());
