// Keyboard shortcuts for the coding page (hand-written for this project).
// j/k next/previous segment, 1-3 accept that suggestion, x reject the first,
// c apply the code chosen in the list, n open the new-code form. Each is a plain link or
// form post; the server answers with the page for the same segment.
(function () {
  "use strict";
  function click(selector) {
    const element = document.querySelector(selector);
    if (element) element.click();
    return Boolean(element);
  }
  const current = document.querySelector(".segment.current");
  if (current) current.scrollIntoView({ block: "center" });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
        target instanceof HTMLSelectElement) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const actions = {
      j: () => click("#next-seg"),
      k: () => click("#prev-seg"),
      1: () => click(".accept-1"),
      2: () => click(".accept-2"),
      3: () => click(".accept-3"),
      x: () => click(".reject-1"),
      c: () => { const other = document.getElementById("other-code"); if (other) other.form.requestSubmit(other.form.querySelector("button")); },
      n: () => { const box = document.getElementById("new-code"); if (box) { box.open = true; document.getElementById("code-name").focus(); } },
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
})();
