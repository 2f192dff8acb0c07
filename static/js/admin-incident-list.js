"use strict";
// The incident list's filter boxes (FormListFilter in incidents/admin/filters.py): the region
// box searches its regions, grouped by country (select2, which the admin already ships for its
// autocompletes; its search ignores accents), and choosing a region or an actor filters at
// once. Without this script the boxes are plain selects with a "Filter" button.
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  if ($ && $.fn.select2) {
    $("select[data-searchable]").each(function () {
      $(this).select2({
        theme: "admin-autocomplete",
        width: "100%",
        allowClear: true,
        placeholder: { id: "", text: this.options[0] ? this.options[0].text : "" },
      });
    });
  }
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    const submit = function () {
      select.form.requestSubmit();
    };
    // select2 announces a choice as a jQuery event, which native listeners do not hear.
    if ($) {
      $(select).on("change", submit);
    } else {
      select.addEventListener("change", submit);
    }
  });
});
