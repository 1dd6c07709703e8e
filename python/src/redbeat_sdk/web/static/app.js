// redbeat web: a little progressive enhancement. Every page works without it.
"use strict";

// The entries table: select all on the page, a count of the selection, bulk buttons only with one.
function selection() {
  const bulk = document.getElementById("bulk");
  const all = document.getElementById("all");
  if (!bulk || !all) return;
  const boxes = () => Array.from(bulk.querySelectorAll('td.pick input[type="checkbox"]'));
  const count = document.getElementById("selected");
  const buttons = Array.from(bulk.querySelectorAll(".bulkbar button"));
  const update = () => {
    const chosen = boxes().filter((box) => box.checked).length;
    count.textContent = `${chosen} selected`;
    buttons.forEach((button) => { button.disabled = chosen === 0; });
    all.checked = chosen > 0 && chosen === boxes().length;
  };
  all.addEventListener("change", () => {
    boxes().forEach((box) => { box.checked = all.checked; });
    update();
  });
  bulk.addEventListener("change", (event) => { if (event.target !== all) update(); });
  update();
}

// The entry form: show the fields of the chosen kind of schedule only.
function scheduleKinds() {
  const radios = Array.from(document.querySelectorAll('input[name="kind"]'));
  if (!radios.length) return;
  const show = () => {
    const chosen = (radios.find((radio) => radio.checked) || radios[0]).value;
    document.querySelectorAll(".kind-fields").forEach((group) => {
      group.hidden = group.dataset.kind !== chosen;
    });
  };
  radios.forEach((radio) => radio.addEventListener("change", show));
  show();
}

// Filters: a changed select applies at once.
function filters() {
  const form = document.getElementById("filters");
  if (!form) return;
  form.querySelectorAll("select").forEach((select) => select.addEventListener("change", () => form.submit()));
}

// A deferred script runs once the page is parsed: set up at once, then say so (the tests wait for it).
selection();
scheduleKinds();
filters();
document.documentElement.classList.add("js");
