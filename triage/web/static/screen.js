// Keyboard-first screening for triage (hand-written for this project).
// Keys: i include, e exclude, 1-9 exclude with that reason (one key press), r every
// reason, m maybe, s skip for later, u undo, n note. Where the project requires a reason
// at this stage (data-reason-required on the card), e opens the reason list first. Each decision is posted with the page's CSRF token; the server answers
// with the next record's card, already rendered and escaped, which replaces the old one.
(function () {
  "use strict";

  const token = document.querySelector('meta[name="csrf-token"]').content;
  const slot = document.getElementById("card-slot");
  const status = document.getElementById("status");
  const skipped = []; // record ids skipped for later, in this tab only
  let busy = false;

  const card = () => document.getElementById("card");
  const form = () => document.getElementById("decide-form");
  const picker = () => document.getElementById("reason-picker");
  const panel = () => document.getElementById("reason-panel");
  let pickerOpen = false;

  function say(text) {
    status.textContent = text || "";
  }

  function show(data) {
    pickerOpen = false;
    slot.innerHTML = data.html;
    say(data.notice);
  }

  async function send(url, method, body) {
    if (busy) return; // a second key press while one is in flight is dropped
    busy = true;
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: method,
        headers: { Accept: "application/json", "X-CSRF-Token": token },
        body: body,
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        const error = data.error || {};
        say((error.message || "error") + (error.hint ? "; " + error.hint : ""));
        return;
      }
      show(data);
      document.body.dataset.lastMs = String(Math.round(performance.now() - started));
    } catch (err) {
      say("could not reach triage: " + err);
    } finally {
      busy = false;
    }
  }

  function decide(decision, reason) {
    const f = form();
    if (!f) return;
    const body = new FormData(f);
    body.set("decision", decision);
    body.delete("reasons");
    if (reason) body.append("reasons", reason);
    body.set("skip", skipped.join(","));
    send("/screen/decide", "POST", new URLSearchParams(body));
  }

  function skip() {
    const current = card();
    if (!current || !current.dataset.recordId) return;
    const id = current.dataset.recordId;
    const at = skipped.indexOf(id);
    if (at >= 0) skipped.splice(at, 1); // skipping it again sends it to the very end
    skipped.push(id);
    send("/screen/card?skip=" + encodeURIComponent(skipped.join(",")), "GET");
  }

  function undo() {
    send("/screen/undo", "POST");
  }

  function reasonButtons() {
    const list = picker();
    return list ? Array.from(list.querySelectorAll("button.reason")) : [];
  }

  function reasonFor(key) {
    const button = reasonButtons().find((b) => b.dataset.key === key);
    return button ? button.dataset.reason : null;
  }

  function openPicker() {
    const buttons = reasonButtons();
    if (buttons.length) {
      pickerOpen = true;
      panel().classList.add("open");
      panel().scrollIntoView({ block: "nearest" });
      const last = buttons[buttons.length - 1].dataset.key;
      say("why exclude? press 1-" + last + ", Esc to cancel");
      return;
    }
    const free = form() && form().querySelector('input[name="reasons"]');
    if (free) {
      free.focus();
      say("type the reason, Enter to exclude, Esc to cancel");
    }
  }

  function closePicker() {
    pickerOpen = false;
    const box = panel();
    if (box) box.classList.remove("open");
    say("");
  }

  function exclude() {
    const current = card();
    if (current && current.dataset.reasonRequired === "1") openPicker();
    else decide("exclude");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLTextAreaElement ||
      (target instanceof HTMLInputElement && target.type !== "hidden") || target instanceof HTMLSelectElement;
    if (typing) {
      if (event.key === "Escape") {
        target.blur();
        say("");
      } else if (event.key === "Enter" && target.name === "reasons" && target.value.trim()) {
        event.preventDefault();
        target.blur();
        decide("exclude", target.value.trim());
      }
      return;
    }
    if (pickerOpen) {
      event.preventDefault();
      if (event.key === "Escape") {
        closePicker();
      } else {
        const reason = reasonFor(event.key);
        if (reason) {
          closePicker();
          decide("exclude", reason);
        }
      }
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      const reason = reasonFor(event.key);
      if (reason) {
        event.preventDefault();
        decide("exclude", reason);
      }
      return;
    }
    const actions = {
      i: () => decide("include"),
      m: () => decide("maybe"),
      e: exclude,
      r: openPicker,
      s: skip,
      u: undo,
      n: () => {
        const note = document.getElementById("note");
        if (!note) return;
        const box = note.closest("details");
        if (box) box.open = true;
        note.focus();
      },
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // Mouse users: the same forms, posted by script so the page never reloads.
  document.addEventListener("submit", function (event) {
    const f = event.target;
    if (f.id === "decide-form") {
      event.preventDefault();
      const decision = event.submitter ? event.submitter.value : "include";
      const reason = f.querySelector('[name="reasons"]');
      if (decision === "exclude" && !(reason && reason.value) && card() && card().dataset.reasonRequired === "1") {
        openPicker();
        return;
      }
      decide(decision, decision === "exclude" && reason ? reason.value : null);
    } else if (f.id === "undo-form") {
      event.preventDefault();
      undo();
    }
  });

  // Coming back to this tab: if another tab (or reviewer) decided the record shown here
  // meanwhile, move on to the next one instead of letting it be decided twice.
  document.addEventListener("visibilitychange", async function () {
    const current = card();
    if (document.visibilityState !== "visible" || busy || !current || !current.dataset.recordId) return;
    const id = current.dataset.recordId;
    try {
      const response = await fetch("/screen/card?record_id=" + encodeURIComponent(id), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const data = await response.json();
      if (response.ok && data.decided) {
        await send("/screen/card?skip=" + encodeURIComponent(skipped.join(",")), "GET");
        say("record " + id + " was decided in another tab; here is the next one");
      }
    } catch (err) {
      say("could not reach triage: " + err);
    }
  });

  document.addEventListener("click", function (event) {
    if (!(event.target instanceof Element)) return;
    if (event.target.closest("#skip-link")) {
      event.preventDefault();
      skip();
      return;
    }
    const reason = event.target.closest("button.reason");
    if (reason) {
      closePicker();
      decide("exclude", reason.dataset.reason);
    }
  });
})();
