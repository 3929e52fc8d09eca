// A field at its maxlength takes no more keys, and says nothing about it: a facilitator typing a
// question's title on would lose the rest without noticing. The console says so under the field
// (a screen reader hears it once), and clears it once there is room again.
import { h } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";

function noteFor(field) {
  const id = `${field.id}-full`;
  let note = document.getElementById(id);
  if (!note) {
    note = h("span", { id, class: "hint field-full", role: "status" });
    field.after(note);
    const described = [field.getAttribute("aria-describedby"), id].filter(Boolean).join(" ");
    field.setAttribute("aria-describedby", described);
  }
  return note;
}

document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement)) return;
  if (!field.id || !(field.maxLength > 0)) return;
  if (field.value.length >= field.maxLength) {
    noteFor(field).textContent = t("This field is full: more typing is not added.");
  } else {
    const note = document.getElementById(`${field.id}-full`);
    if (note) note.textContent = "";
  }
});
