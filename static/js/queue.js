// "Select every entry on this page" on the reviewers' queue. Without this script each box is
// ticked by hand; approving still goes through the server's confirmation page either way.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var boxes = Array.from(document.querySelectorAll("input[name=entry]"));
  all.hidden = false;
  all.parentElement.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = boxes.every(function (b) { return b.checked; });
    });
  });
})();
