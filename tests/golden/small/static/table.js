/* probation-ratings: sort any table by any column, filter the league table.
   Progressive enhancement: without this script every table is complete, in its default order. */
(function () {
  "use strict";

  function value(row, index, type) {
    var cell = row.cells[index];
    var raw = cell ? cell.getAttribute("data-sort") : null;
    if (raw === null) raw = cell ? cell.textContent.trim() : "";
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? -Infinity : number;
    }
    return raw.toLowerCase();
  }

  function sortBy(table, header) {
    var index = header.cellIndex;
    var type = header.getAttribute("data-sort-type") || "text";
    var current = header.getAttribute("aria-sort");
    var first = header.getAttribute("data-sort-first") || (type === "number" ? "descending" : "ascending");
    var direction = current === "ascending" ? "descending" : current === "descending" ? "ascending" : first;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-position", i); });
    rows.sort(function (a, b) {
      var x = value(a, index, type), y = value(b, index, type);
      var order = x < y ? -1 : x > y ? 1 : 0;
      if (direction === "descending") order = -order;
      // Ties keep the order they had, so sorting by one column then another nests.
      return order || a.getAttribute("data-position") - b.getAttribute("data-position");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      if (cell !== header) cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", direction);
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      if (header.classList.contains("nosort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (header.firstChild) button.appendChild(header.firstChild);
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, header); });
    });
    table.classList.add("sort-ready");
  }

  function setUpFilters(form) {
    var rows = document.querySelectorAll("section.league tbody tr");
    var status = form.querySelector(".filter-status");
    function apply() {
      var wanted = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.value) wanted[el.name] = el.value;
      });
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var keep = Object.keys(wanted).every(function (name) {
          return row.getAttribute("data-" + name) === wanted[name];
        });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      status.textContent = "Showing " + shown + " of " + rows.length + " providers.";
    }
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  var form = document.querySelector("form.filters");
  if (form) setUpFilters(form);
})();
