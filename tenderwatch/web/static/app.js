// tenderwatch workbench: CSRF header for htmx requests and keyboard triage in the queue.
// No inline scripts anywhere: the Content-Security-Policy forbids them.
"use strict";

document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
});

(() => {
  const rows = () => Array.from(document.querySelectorAll("tr[data-item]"));
  let current = -1;

  function select(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("selected", i === current));
    all[current].scrollIntoView({ block: "nearest" });
  }

  function decide(status) {
    const row = rows()[current];
    if (!row) return;
    const button = row.querySelector(`button[name="status"][value="${status}"]`);
    if (button) {
      button.click();
      select(current + 1); // triage flows down the list
    }
  }

  const keys = {
    j: () => select(current + 1),
    k: () => select(current - 1),
    c: () => decide("confirmed"),
    r: () => decide("rejected"),
    u: () => decide("unsure"),
    n: () => rows()[current]?.querySelector(".note-input")?.focus(),
    o: () => rows()[current]?.querySelector("a.open")?.click(),
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) {
      // Enter in a note must not submit the form without a decision: leave the field, then
      // press c / r / u.
      if (event.key === "Escape" || (event.key === "Enter" && target.matches(".note-input"))) {
        event.preventDefault();
        target.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const action = keys[event.key];
    if (action && rows().length) {
      event.preventDefault();
      if (current < 0 && event.key !== "j" && event.key !== "k") select(0);
      action();
    }
  });

  document.addEventListener("click", (event) => {
    const row = event.target.closest?.("tr[data-item]");
    if (row) select(rows().indexOf(row));
  });
})();
