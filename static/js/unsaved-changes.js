"use strict";
// An admin form with unsaved changes asks before the page is left: through the sidebar, a
// link, the back button or closing the tab (the browser's own "Leave site?" dialog, on
// beforeunload). Saving the form does not ask. A form shown again with errors holds what the
// analyst typed and none of it is saved yet: it asks from the start.
document.addEventListener("DOMContentLoaded", function () {
  const form = document.querySelector("#content-main form[method='post'][id$='_form']");
  if (!form) {
    return;
  }
  let submitting = false;
  let saved = null;

  function snapshot() {
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken") {
        entries.push(name + "=" + (value instanceof File ? value.name : value));
      }
    }
    return entries.join("&");
  }

  function unsaved() {
    if (submitting || saved === null) {
      return false;
    }
    return form.querySelector(".errornote") !== null || snapshot() !== saved;
  }

  // Once every other script has set the form up (select2, inline rows, calendars).
  window.addEventListener("load", function () {
    saved = snapshot();
  });
  // Fired only when the browser lets the form go (its required fields are filled).
  form.addEventListener("submit", function () {
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });
});
