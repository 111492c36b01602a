// fasd serve: a little plain JavaScript. Every page also works without it.
"use strict";
document.documentElement.classList.add("js");

// Upload form: drag-and-drop onto the drop zone, list of the chosen files, size check.
(function () {
  const zone = document.getElementById("depot");
  const input = document.getElementById("fichiers");
  if (!zone || !input) return;
  const list = document.getElementById("choisis");
  const form = document.getElementById("envoi");
  const limit = Number(zone.dataset.max);
  function show() {
    list.textContent = "";
    for (const f of input.files) {
      const li = document.createElement("li");
      li.textContent = f.name + " (" + Math.ceil(f.size / 1024) + " Ko)";
      list.appendChild(li);
    }
  }
  input.addEventListener("change", show);
  ["annuaire", "colonnes"].forEach(function (id) {
    const one = document.getElementById(id);
    one.addEventListener("change", function () {
      document.getElementById(id + "-nom").textContent = one.files.length ? one.files[0].name : "";
    });
  });
  window.addEventListener("pageshow", function () {   // back from a result: the button again
    const button = form.querySelector("button[type=submit]");
    button.disabled = false;
    button.textContent = "Contrôler l'offre";
  });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("survol"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("survol"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
  form.addEventListener("submit", function (e) {
    const button = form.querySelector("button[type=submit]");
    let total = 0;
    for (const el of form.querySelectorAll("input[type=file]")) {
      for (const f of el.files) total += f.size;
    }
    // The server checks the size too; this only spares a long upload that would be refused.
    if (limit && total > limit) {
      e.preventDefault();
      const note = document.getElementById("limite");
      note.className = "alerte";
      note.setAttribute("role", "alert");
      note.textContent = "L'envoi dépasse la taille maximale de " + Math.round(limit / 1048576) +
        " Mo. Découpez l'offre en plusieurs fichiers, ou retirez les feuilles inutiles.";
      return;
    }
    button.disabled = true;
    button.textContent = "Envoi en cours…";
  });
})();

// Progress page: poll the state and reload when the run is over.
(function () {
  const box = document.getElementById("avancement");
  if (!box) return;
  const bar = document.getElementById("barre");
  const status = document.getElementById("statut");
  const stages = document.getElementById("etapes");
  let shown = 0; // the bar never moves back, whatever a poll says
  function update(state) {
    shown = Math.max(shown, state.percent || 0);
    bar.value = shown;
    bar.textContent = shown + " %";
    status.textContent = state.status === "queued"
      ? (state.queue || "En attente : un autre envoi est en cours de traitement.")
      : shown + " % — la page se met à jour seule.";
    stages.textContent = "";
    for (const s of state.stages) {
      const li = document.createElement("li");
      li.className = s.status;
      li.textContent = s.label;
      if (s.text) {
        const detail = document.createElement("span");
        detail.textContent = " " + s.text;
        li.appendChild(detail);
      }
      stages.appendChild(li);
    }
  }
  function poll() {
    fetch(box.dataset.etat, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        update(state);
        if (state.status === "done" || state.status === "failed") {
          window.location.replace(box.dataset.page);
        } else {
          setTimeout(poll, 700);
        }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
