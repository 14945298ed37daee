// Keyboard shortcuts for the dedup review page (hand-written for this project).
// m merge, k keep apart, n next pair, u undo the latest merge. Plain form posts: the
// server answers with the next pair, so there is nothing to keep in sync here.
(function () {
  "use strict";
  function press(selector) {
    const button = document.querySelector(selector);
    if (button) button.click();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const actions = {
      m: '#pair-form button[value="merge"]',
      k: '#pair-form button[value="keep_apart"]',
      n: "#next-pair",
      u: ".undo-merge button",
    };
    if (actions[event.key]) {
      event.preventDefault();
      press(actions[event.key]);
    }
  });
})();
