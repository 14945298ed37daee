// Keyboard shortcuts for the coding page (hand-written for this project).
// j/k next/previous segment, 1-3 accept that suggestion, x reject the first,
// c apply the code chosen in the list, n open the new-code form, s code the words selected
// in the text (the selection fills "Selected words"; with none, type them there). Each is a
// plain link or form post; the server answers with the page for the same segment.
(function () {
  "use strict";
  function click(selector) {
    const element = document.querySelector(selector);
    if (element) element.click();
    return Boolean(element);
  }
  const current = document.querySelector(".segment.current");
  if (current) current.scrollIntoView({ block: "center" });
  // A selection inside the current sentence sends its offsets; one elsewhere in the text
  // (across sentences of the paragraph) sends its words, which the server finds.
  const quote = document.getElementById("span-quote");
  const sentence = document.getElementById("current-text");
  function selected() {
    const selection = window.getSelection();
    if (!quote || !selection || selection.isCollapsed || !selection.rangeCount) return false;
    const range = selection.getRangeAt(0);
    const text = document.querySelector(".doctext");
    const inside = (node) => (sentence && sentence.contains(node)) || (text && text.contains(node));
    if (!inside(range.startContainer) || !inside(range.endContainer)) return false;
    const words = selection.toString().trim();
    if (!words) return false;
    quote.value = words;
    let start = "", end = "";
    if (sentence && sentence.contains(range.startContainer) && sentence.contains(range.endContainer)) {
      const before = document.createRange();
      before.setStart(sentence, 0);
      before.setEnd(range.startContainer, range.startOffset);
      start = String(before.toString().length);
      end = String(before.toString().length + range.toString().length);
    }
    document.getElementById("span-start").value = start;
    document.getElementById("span-end").value = end;
    return true;
  }
  document.addEventListener("selectionchange", selected);
  if (quote) quote.addEventListener("input", function () {
    document.getElementById("span-start").value = "";
    document.getElementById("span-end").value = "";
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
        target instanceof HTMLSelectElement) {
      if (event.key === "Escape") target.blur();
      if (event.key === "Enter" && target.id === "span-code") {  // a select does not submit on Enter
        event.preventDefault();
        target.form.requestSubmit();
      }
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
      s: () => { if (!quote) return; selected(); (quote.value ? document.getElementById("span-code") : quote).focus(); },
      n: () => { const box = document.getElementById("new-code"); if (box) { box.open = true; document.getElementById("code-name").focus(); } },
    };
    if (actions[event.key]) {
      event.preventDefault();
      actions[event.key]();
    }
  });
})();
