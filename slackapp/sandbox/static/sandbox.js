// The page's manners, as Slack's. A dialog takes focus (its first field, or the first one in error),
// keeps Tab and Shift+Tab inside, closes on Esc, and gives focus back to what had it before; the page
// behind it is inert meanwhile, so nothing typed lands there. And the news polled every second never
// lands over a person's own move, nor cuts one short (htmx logs an aborted request as an error).
"use strict";
(() => {
  const STOPS = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex='-1'])";
  let lastOutside = null; // what last had focus outside a dialog, described: the page is redrawn under it
  let opener = null; // the same, when the dialog opened
  let open = false;
  let moves = 0; // the person's requests so far
  let movesInFlight = 0;

  const dialog = () => document.querySelector("#modal-slot [role=dialog]");
  const stops = (root) => [...root.querySelectorAll(STOPS)].filter((el) => !el.disabled && el.getClientRects().length > 0);
  const isPoll = (el) => el instanceof Element && el.matches("[hx-get='/poll']");

  // An element described so that its redrawn twin can be found: by id, else by what it does.
  function describe(el) {
    const message = el.closest("form")?.querySelector("input[name=ts]");
    return {
      id: el.id, tag: el.tagName, post: el.getAttribute("hx-post"), vals: el.getAttribute("hx-vals"),
      href: el.getAttribute("href"), text: el.textContent.trim(), ts: message ? message.value : null,
    };
  }

  function find(seen) {
    if (!seen) return null;
    if (seen.id) return document.getElementById(seen.id);
    const same = (el) => Object.entries(describe(el)).every(([key, value]) => value === seen[key]);
    return [...document.getElementsByTagName(seen.tag)].find(same) || null;
  }

  function focusInto(box) {
    const fields = stops(box.querySelector(".modal-body") || box).filter((el) => el.matches("input, select, textarea"));
    const first = box.querySelector("[aria-invalid=true]") || fields[0] || stops(box)[0];
    if (first) first.focus();
  }

  // After every swap: the page behind a dialog is inert, focus is in the dialog, or back where it was.
  function settle() {
    const box = dialog();
    document.querySelectorAll("#app > .topbar, #app > .layout").forEach((el) => { el.inert = Boolean(box); });
    if (box && !open) opener = lastOutside;
    if (box && !box.contains(document.activeElement)) focusInto(box);
    if (!box && open) {
      const back = find(opener) || document.getElementById("composer");
      if (back) back.focus();
    }
    open = Boolean(box);
    const app = document.getElementById("app");
    if (app && !app.newsGuarded) {
      // On #app itself: a poll's answer may land in a #messages that a move has already replaced.
      app.newsGuarded = true;
      app.addEventListener("htmx:beforeSwap", dropStaleNews);
    }
  }

  function dropStaleNews(event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.movesBefore !== undefined && xhr.movesBefore !== moves) event.detail.shouldSwap = false;
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    // News asked for during a move could be older than the move's own answer: ask again next second.
    if (isPoll(event.detail.elt) && movesInFlight > 0) event.preventDefault();
  });

  document.addEventListener("htmx:beforeSend", (event) => {
    const xhr = event.detail.xhr;
    if (isPoll(event.detail.elt)) {
      xhr.movesBefore = moves;
      return;
    }
    moves += 1;
    movesInFlight += 1;
    xhr.addEventListener("loadend", () => { movesInFlight -= 1; });
  });

  document.addEventListener("focusin", (event) => {
    if (!event.target.closest("#modal-slot")) lastOutside = describe(event.target);
  });

  document.addEventListener("keydown", (event) => {
    const box = dialog();
    if (!box || event.defaultPrevented) return;
    if (event.key === "Escape") {
      event.preventDefault();
      const close = box.querySelector("[data-close]");
      if (close) close.click();
    } else if (event.key === "Tab") {
      const all = stops(box);
      if (!all.length) return;
      const [first, last] = [all[0], all[all.length - 1]];
      const inside = box.contains(document.activeElement);
      const to = event.shiftKey ? (!inside || document.activeElement === first) && last : (!inside || document.activeElement === last) && first;
      if (to) {
        event.preventDefault();
        to.focus();
      }
    }
  });

  document.addEventListener("htmx:afterSettle", settle);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", settle);
  else settle();
})();
