// Character counters and "copy last year's text" on the entry form.
// The form works without this script; it only makes typing against the limit easier.
(function () {
  "use strict";
  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.id + "-counter");
    if (!counter) { return; }
    var limit = parseInt(textarea.getAttribute("maxlength"), 10) || 1000;
    var length = Array.from(textarea.value).length;
    counter.textContent = length.toLocaleString("ja-JP") + " / " + limit.toLocaleString("ja-JP") + "文字";
    counter.classList.toggle("counter-over", length > limit);
  }
  document.querySelectorAll("textarea[data-counter]").forEach(function (textarea) {
    textarea.addEventListener("input", function () { updateCounter(textarea); });
    updateCounter(textarea);
  });
  document.querySelectorAll("button[data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-from"));
      var target = document.getElementById(button.getAttribute("data-copy-to"));
      if (!source || !target) { return; }
      if (target.value.trim() !== "" && !window.confirm("入力済みの内容を前回の内容で置き換えます。よろしいですか？")) {
        return;
      }
      target.value = source.textContent;
      updateCounter(target);
      target.focus();
    });
  });
})();
