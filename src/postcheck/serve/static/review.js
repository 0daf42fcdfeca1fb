// The review page: save a decision on a finding (false alarm needs a reason) with the
// reviewer's name, then show it in place. The name is remembered in this browser only.
"use strict";
(function () {
  const LABELS = { false_alarm: "False alarm", confirmed: "Confirmed", removed: "Post removed" };
  const reviewer = document.getElementById("reviewer");
  try { reviewer.value = localStorage.getItem("postcheck-reviewer") || ""; } catch (e) { /* private mode */ }
  reviewer.addEventListener("change", () => {
    try { localStorage.setItem("postcheck-reviewer", reviewer.value.trim()); } catch (e) { /* ignore */ }
  });

  async function save(fieldset) {
    const status = fieldset.querySelector(".current");
    const group = fieldset.closest(".group");
    const chosen = fieldset.querySelector("input[type=radio]:checked");
    const reason = fieldset.querySelector(".reason");
    const by = reviewer.value.trim();
    if (!by) {
      status.textContent = "Type your name in 'Your name' at the top first.";
      reviewer.focus();
      return;
    }
    if (!chosen) {
      status.textContent = "Choose false alarm, confirmed or post removed first.";
      fieldset.querySelector("input[type=radio]").focus();
      return;
    }
    if (chosen.value === "false_alarm" && !reason.value.trim()) {
      status.textContent = "A false alarm needs a reason: say why it is not a problem.";
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    reason.removeAttribute("aria-invalid");
    const body = {
      id: group.dataset.id || null,
      fingerprint: group.dataset.fingerprint || null,
      rule: fieldset.dataset.rule,
      decision: chosen.value,
      reason: reason.value.trim(),
      by: by,
    };
    status.textContent = "Saving...";
    try {
      const response = await fetch("/api/decisions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok) {
        const e = data.error || {};
        status.textContent = "Not saved: " + (e.what || "error") + (e.fix ? ". " + e.fix : "");
        return;
      }
      const item = fieldset.closest(".finding");
      item.classList.remove("false_alarm", "confirmed", "removed");
      item.classList.add("decided", data.decision);
      status.textContent = "Saved: " + LABELS[data.decision] +
        (data.reason ? ": " + data.reason : "") + " (" + data.by + ", " + data.at + ")";
    } catch (err) {
      status.textContent = "Not saved: the server did not answer. Is postcheck serve still running?";
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.save");
    if (button) save(button.closest("fieldset.decide"));
  });
})();
