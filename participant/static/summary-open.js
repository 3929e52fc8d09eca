// Open a saved summary file from this device: read it here, post it to be shown or turned
// into CSV (nothing is kept on the server). Its words come from the page, already in its language.
const file = document.querySelector("#summary-file");
const text = document.querySelector("#summary-text");
const problem = document.querySelector("#summary-problem");
const form = document.querySelector("#summary-form");

const chosen = document.querySelector("#summary-chosen");

file.addEventListener("change", async () => {
  text.value = file.files[0] ? await file.files[0].text() : "";
  chosen.textContent = file.files[0]?.name ?? chosen.dataset.none; // the file's own name
  problem.textContent = "";
});
form.addEventListener("submit", (event) => {
  if (!text.value) {
    event.preventDefault();
    problem.textContent = form.dataset.empty;
  }
});
