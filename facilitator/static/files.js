// Files on the facilitator's own device: read what they pick, save what they ask for.
import { t } from "/static/shared/i18n.js";
import { h } from "/static/shared/dom.js";

export function saveFile(filename, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, class: "visually-hidden", text: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The browser's own file button speaks the browser's language ("Choose File", "No file
// chosen"), not the console's: the input is hidden from sight (still focusable, still what the
// labels name) and a button-like label in the console's language opens it.
export function filePicker({ id, label, accept, multiple = false, onFiles }) {
  const input = h("input", { id, type: "file", accept, multiple, class: "file-input" });
  const choose = h("label", { for: id, class: "button secondary file-button", text: multiple ? t("Choose files…") : t("Choose a file…") });
  input.addEventListener("change", async () => {
    const files = [...input.files];
    const texts = await Promise.all(files.map((f) => f.text()));
    input.value = "";
    onFiles(texts, files);
  });
  return h("p", { class: "field file-field" }, h("label", { for: id, text: label }), h("span", { class: "file-row" }, input, choose));
}

export function problemList(errors) {
  return h(
    "ul",
    { class: "problems" },
    errors.map((e) =>
      h("li", { text: (e.line ? t("line {line}, column {column}: ", { line: e.line, column: e.column }) : "") + (e.path || t("file")) + ": " + e.message }),
    ),
  );
}
