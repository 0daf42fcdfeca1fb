// The staff page: check the draft as it is typed (debounced), show the verdict, the
// findings and the draft with the triggering words highlighted. Text only ever goes
// into the page as text nodes, never as HTML.
"use strict";
(function () {
  const HEADLINES = {
    ok: "OK: nothing in this post goes against the policy.",
    doubt: "DOUBT: please think again before posting. If in doubt, don't post it!",
    breach: "BREACH: please don't post this. It goes against the school's policy.",
  };
  const DELAY_MS = 400;
  const draft = document.getElementById("draft");
  const form = document.getElementById("check-form");
  const verdictBox = document.getElementById("verdict");
  const errorBox = document.getElementById("error");
  const preview = document.getElementById("preview");
  const previewWrap = document.getElementById("preview-wrap");
  const list = document.getElementById("findings");
  const backdrop = document.getElementById("backdrop");
  let timer = null;
  let inFlight = null;
  let lastChecked = null;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear() {
    verdictBox.className = "verdict empty";
    verdictBox.textContent = "Nothing checked yet.";
    list.replaceChildren();
    preview.replaceChildren();
    backdrop.replaceChildren();
    previewWrap.hidden = true;
    errorBox.hidden = true;
  }

  // Offsets from the server count Unicode code points; JavaScript strings count UTF-16 units.
  function highlight(text, findings) {
    const chars = Array.from(text);
    const marked = new Array(chars.length).fill(false);
    for (const f of findings) {
      for (let i = f.start; i < f.end && i < chars.length; i++) marked[i] = true;
    }
    const out = [];
    let i = 0;
    while (i < chars.length) {
      let j = i;
      while (j < chars.length && marked[j] === marked[i]) j++;
      const piece = chars.slice(i, j).join("");
      out.push(marked[i] ? el("mark", {}, piece) : document.createTextNode(piece));
      i = j;
    }
    return out;
  }

  function show(text, data) {
    errorBox.hidden = true;
    verdictBox.className = "verdict " + data.verdict;
    const n = data.findings.length;
    verdictBox.textContent = HEADLINES[data.verdict] +
      (n ? ` ${n} thing${n > 1 ? "s" : ""} to look at, listed below.` : "");
    const active = data.findings.filter((f) => f.end > f.start);
    preview.replaceChildren(...highlight(text, active));
    backdrop.replaceChildren(...highlight(text + "\n", active));  // in place, behind the text
    backdrop.scrollTop = draft.scrollTop;
    previewWrap.hidden = active.length === 0;
    list.replaceChildren(...data.findings.map((f) => {
      const label = f.severity === "advice" ? "advice only" : f.severity;
      return el("li", { class: "finding " + f.severity },
        el("p", {}, el("strong", {}, f.clause), " ", f.quote, " ", el("span", { class: "sev" }, `[${label}]`)),
        el("blockquote", {}, "Words: ", el("mark", {}, f.text || "(the post as a whole)")),
        el("p", { class: "why" }, el("strong", {}, "Why: "), f.message),
        el("p", { class: "try" }, el("strong", {}, "Try: "), f.suggestion));
    }));
  }

  function showError(body) {
    const e = (body && body.error) || {};
    errorBox.replaceChildren(
      el("p", {}, e.what || "The draft could not be checked."),
      ...(e.fix ? [el("p", {}, "How to fix: " + e.fix)] : []));
    errorBox.hidden = false;
    verdictBox.className = "verdict empty";
    verdictBox.textContent = "Not checked.";
  }

  async function check() {
    const text = draft.value;
    if (!text.trim()) { clear(); lastChecked = null; return; }
    if (text === lastChecked) return;
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    verdictBox.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text }),
        signal: controller.signal,
        credentials: "same-origin",
      });
      const body = await response.json();
      if (controller !== inFlight) return;
      if (response.ok) { lastChecked = text; show(text, body); } else { showError(body); }
    } catch (err) {
      if (err.name !== "AbortError") showError({ error: { what: "The checker did not answer.", fix: "Is postcheck serve still running?" } });
    } finally {
      if (controller === inFlight) {
        inFlight = null;
        verdictBox.removeAttribute("aria-busy");
      }
    }
  }

  draft.addEventListener("scroll", () => { backdrop.scrollTop = draft.scrollTop; });
  draft.addEventListener("input", () => {
    backdrop.replaceChildren(document.createTextNode(draft.value));  // old marks would drift
    clearTimeout(timer);
    timer = setTimeout(check, DELAY_MS);
  });
  draft.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      clearTimeout(timer);
      lastChecked = null;
      check();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    lastChecked = null;
    check();
  });
})();
