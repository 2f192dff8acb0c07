// The incident list's filter panel, made quicker to use when JavaScript runs. Without it the
// panel is a plain GET form and everything still works.
//
// - Region, district and sub-event type options narrow live to the chosen countries, regions
//   and event types, from the data- attributes the server put on them (no request). When the
//   server listed only some parents' children, a hint asks to apply the filters for the others.
// - Empty fields are left out of the URL, so that shared links stay short.
// - The actor search asks the JSON API (data-actor-search) and adds the chosen actors to the
//   form; if the API is missing or fails, the search box hides and says so.
// - On a phone the panel and the facets start folded.
(function () {
  "use strict";

  const form = document.getElementById("filter-form");
  if (!form) {
    return;
  }

  // --- narrowing -------------------------------------------------------------------------------

  function selectedValues(id) {
    const select = document.getElementById(id);
    return select ? Array.from(select.selectedOptions, (option) => option.value) : [];
  }

  function checkedValues(name) {
    return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (box) => box.value);
  }

  // Show the options `keep` accepts; hidden ones are also unselected (a hidden choice would
  // still be sent, and would contradict its parent). When the page opens, a choice the URL
  // made stays shown even if it contradicts its parent: the reader unchooses it, not the page.
  function narrow(select, keep, opening) {
    if (!select) {
      return;
    }
    for (const option of select.options) {
      const shown = keep(option) || (opening && option.selected);
      option.hidden = !shown;
      option.disabled = !shown;
      if (!shown) {
        option.selected = false;
      }
    }
    for (const group of select.querySelectorAll("optgroup")) {
      group.hidden = !Array.from(group.children).some((option) => !option.hidden);
    }
  }

  // The hint under a select whose parents now include some whose children the page lacks.
  function hintMissingParents(select, parents) {
    const hint = select && form.querySelector(`[data-hint-for="${select.id}"]`);
    if (!hint) {
      return;
    }
    const listed = (select.dataset.listedParents || "*").split(" ");
    hint.hidden = listed.includes("*") || parents.every((parent) => listed.includes(parent));
  }

  const regionSelect = document.getElementById("id_admin1");
  const districtSelect = document.getElementById("id_admin2");
  const subTypeSelect = document.getElementById("id_sub_event_type");

  function narrowPlaces(opening) {
    const countries = selectedValues("id_country");
    narrow(
      regionSelect,
      (option) => !countries.length || countries.includes(option.dataset.country),
      opening,
    );
    hintMissingParents(regionSelect, countries);
    const regions = selectedValues("id_admin1");
    narrow(
      districtSelect,
      (option) => {
        if (regions.length) {
          return regions.includes(option.dataset.region);
        }
        return !countries.length || countries.includes(option.dataset.country);
      },
      opening,
    );
    hintMissingParents(districtSelect, regions);
  }

  function narrowSubTypes(opening) {
    const types = checkedValues("event_type");
    narrow(
      subTypeSelect,
      (option) => !types.length || types.includes(option.dataset.eventType),
      opening,
    );
  }

  document.getElementById("id_country")?.addEventListener("change", () => narrowPlaces(false));
  regionSelect?.addEventListener("change", () => narrowPlaces(false));
  for (const box of form.querySelectorAll('input[name="event_type"]')) {
    box.addEventListener("change", () => narrowSubTypes(false));
  }
  narrowPlaces(true);
  narrowSubTypes(true);

  // --- short URLs ------------------------------------------------------------------------------

  form.addEventListener("submit", () => {
    for (const field of form.querySelectorAll("input, select")) {
      const empty = field.type !== "checkbox" && field.type !== "submit" && field.value === "";
      if (field.name && empty) {
        field.disabled = true;
      }
    }
  });
  // Coming back to the page from the browser's history restores it as it was left.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) {
      return;
    }
    for (const field of form.querySelectorAll("input:disabled, select:disabled")) {
      field.disabled = false;
    }
    narrowPlaces(true);
    narrowSubTypes(true);
  });

  // --- actor search ----------------------------------------------------------------------------

  const picker = form.querySelector("[data-actor-search]");
  if (picker) {
    const searchBox = picker.querySelector(".actor-search");
    const input = picker.querySelector("#actor-search-input");
    const results = picker.querySelector(".actor-results");
    const status = picker.querySelector(".actor-search-status");
    const picked = picker.querySelector(".picked-actors");
    const fallback = picker.querySelector(".no-actor-search");
    let timer = null;
    let pending = null;

    searchBox.hidden = false;
    fallback.hidden = true;

    function unavailable() {
      searchBox.hidden = true;
      fallback.hidden = false;
      fallback.textContent = picker.dataset.msgUnavailable;
    }

    function pick(actor) {
      const id = String(actor.id);
      let box = picked.querySelector(`input[value="${CSS.escape(id)}"]`);
      if (!box) {
        const item = document.createElement("li");
        const label = document.createElement("label");
        box = document.createElement("input");
        box.type = "checkbox";
        box.name = "actor";
        box.value = id;
        label.append(box, " " + actor.name);
        item.append(label);
        picked.append(item);
      }
      box.checked = true;
      input.value = "";
      results.replaceChildren();
      status.textContent = picker.dataset.msgAdded.replace("{name}", actor.name);
      input.focus();
    }

    async function search() {
      const text = input.value.trim();
      results.replaceChildren();
      if (text.length < 2) {
        status.textContent = "";
        return;
      }
      pending?.abort();
      pending = new AbortController();
      let actors;
      try {
        const url = `${picker.dataset.actorSearch}?search=${encodeURIComponent(text)}`;
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          signal: pending.signal,
        });
        if (!response.ok) {
          throw new Error(`actor search answered ${response.status}`);
        }
        actors = (await response.json()).results;
        if (!Array.isArray(actors)) {
          throw new Error("actor search gave no results list");
        }
      } catch (error) {
        if (error.name !== "AbortError") {
          unavailable();
        }
        return;
      }
      status.textContent = actors.length ? "" : picker.dataset.msgNone;
      for (const actor of actors.slice(0, 10)) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = actor.name;
        if (Array.isArray(actor.aliases) && actor.aliases.length) {
          const aliases = document.createElement("span");
          aliases.className = "sub";
          aliases.textContent = actor.aliases.join(", ");
          button.append(" ", aliases);
        }
        button.addEventListener("click", () => pick(actor));
        item.append(button);
        results.append(item);
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    // Enter in the search box must not submit the whole form.
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        results.querySelector("button")?.click();
      }
    });
  }

  // --- on a phone ----------------------------------------------------------------------------

  // The panel and the facets start folded on a phone, where they would push the incidents
  // far down; the panel stays open when a value in it needs correcting.
  const phone = window.matchMedia("(max-width: 48rem)");
  const foldable = document.querySelectorAll("details[data-fold-on-phone]");
  for (const details of foldable) {
    if (phone.matches && !details.querySelector(".has-error")) {
      details.open = false;
    }
  }
  phone.addEventListener("change", (event) => {
    if (!event.matches) {
      for (const details of foldable) {
        details.open = true;
      }
    }
  });
})();
