// Character counters, "copy last year's text" and "you have unsaved text" on the entry page.
// The forms work without this script; it only makes typing against the limit easier and keeps a
// half-written text from being lost by leaving the page.
(function () {
  "use strict";
  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.id + "-counter");
    if (!counter) { return; }
    var limit = parseInt(textarea.getAttribute("data-limit"), 10) || 1000;
    var length = Array.from(textarea.value).length;
    var over = length > limit;
    counter.textContent = length.toLocaleString("ja-JP") + " / " + limit.toLocaleString("ja-JP") + "文字" +
      (over ? "（" + (length - limit).toLocaleString("ja-JP") + "文字多すぎます。このままでは保存できません）" : "");
    counter.classList.toggle("counter-over", over);
  }
  document.querySelectorAll("textarea[data-limit]").forEach(function (textarea) {
    textarea.addEventListener("input", function () { updateCounter(textarea); });
    updateCounter(textarea);
  });

  // Ask before leaving a page whose text was changed and not yet sent; only then.
  var dirty = new Set();
  document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
    var initial = new Map();
    form.querySelectorAll("textarea, input[type=radio]").forEach(function (field) {
      initial.set(field, field.type === "radio" ? field.checked : field.value);
    });
    function changed() {
      var any = false;
      initial.forEach(function (value, field) {
        if ((field.type === "radio" ? field.checked : field.value) !== value) { any = true; }
      });
      if (any) { dirty.add(form); } else { dirty.delete(form); }
    }
    // A form shown again after a refusal holds text that was not saved: it counts as changed
    // from the start (the server marks it), and stays so until it is sent.
    if (form.getAttribute("data-unsaved-warning") === "unsaved" || form.querySelector("[data-unsaved]")) {
      dirty.add(form);
      form.addEventListener("submit", function () { dirty.delete(form); });
      return;
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { dirty.delete(form); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size === 0) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  document.querySelectorAll("button[data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      // The button also submits the form, for browsers without this script; here it copies in place.
      event.preventDefault();
      var source = document.getElementById(button.getAttribute("data-copy-from"));
      var target = document.getElementById(button.getAttribute("data-copy-to"));
      if (!source || !target) { return; }
      if (target.value.trim() !== "" && !window.confirm("入力済みの内容を前回の内容で置き換えます。よろしいですか？")) {
        return;
      }
      target.value = source.textContent;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    });
  });
})();
