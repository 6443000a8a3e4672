// The place picker (registry/forms.py, PlacePicker): suggestions for the country field from one
// list per language, fetched once and kept by the browser's cache; a region select as soon as
// a country whose regions regulate is chosen. Without this file the server asks for the region
// after the first submit.
(function () {
  "use strict";
  if (window.caseworkPlaces) return;
  window.caseworkPlaces = true;
  var lists = {};

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[,()]/g, " ")
      .split(/\s+/).filter(Boolean).join(" ");
  }

  function load(url) {
    if (!lists[url]) {
      lists[url] = fetch(url, { credentials: "omit" }).then(function (response) {
        if (!response.ok) throw new Error("places " + response.status);
        return response.json();
      });
    }
    return lists[url];
  }

  function regionSelect(picker, input, country, regions) {
    var holder = picker.querySelector(".place-picker__region");
    if (!regions) {
      if (holder) holder.remove();
      return;
    }
    var selectId = input.id + "_region";
    var previous = holder && holder.dataset.country === country ? holder.querySelector("select").value : "";
    if (holder) holder.remove();
    holder = document.createElement("span");
    holder.className = "place-picker__region";
    holder.dataset.country = country;
    var label = document.createElement("label");
    label.htmlFor = selectId;
    label.textContent = picker.dataset.regionLabel;
    var select = document.createElement("select");
    select.id = selectId;
    select.name = input.name + "_region";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = picker.dataset.regionEmpty;
    select.appendChild(empty);
    regions.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      option.selected = pair[0] === previous;
      select.appendChild(option);
    });
    holder.appendChild(label);
    holder.appendChild(select);
    input.insertAdjacentElement("afterend", holder);
  }

  function setUp(picker) {
    var input = picker.querySelector("input");
    var datalist = picker.querySelector("datalist");
    if (!input || !datalist || picker.dataset.ready) return;
    picker.dataset.ready = "1";
    load(picker.dataset.places).then(function (places) {
      var byName = {};
      var fragment = document.createDocumentFragment();
      places.countries.forEach(function (pair) {
        byName[fold(pair[1])] = pair[0];
        byName[fold(pair[0])] = pair[0];
        var option = document.createElement("option");
        option.value = pair[1];
        fragment.appendChild(option);
      });
      datalist.appendChild(fragment);
      var server = picker.querySelector(".place-picker__region");
      if (server) {
        var chosen = byName[fold(input.value)];
        if (chosen) server.dataset.country = chosen;
      }
      input.addEventListener("change", function () {
        var code = byName[fold(input.value)];
        if (!code) return;
        var existing = picker.querySelector(".place-picker__region");
        if (existing && existing.dataset.country === code) return;
        regionSelect(picker, input, code, places.regions[code]);
      });
    }).catch(function () { /* the server asks for the region instead */ });
  }

  function setUpAll() {
    document.querySelectorAll(".place-picker[data-places]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
  document.addEventListener("htmx:afterSettle", setUpAll);
})();
