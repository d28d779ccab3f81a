// Replaces the server-drawn SVG chart with an interactive Vega-Lite one when JavaScript runs.
// The spec comes from the URL in data-vega-spec; Vega's expression interpreter is used because the
// Content-Security-Policy forbids eval, and vega-embed's default styles (inline <style>) are turned off.
(function () {
  "use strict";
  function draw(holder) {
    var figure = holder.closest("figure");
    // The page gives the menu's words in its language.
    var labels = {actions: holder.getAttribute("data-label-actions"), svg: holder.getAttribute("data-label-svg"),
                  png: holder.getAttribute("data-label-png")};
    fetch(holder.getAttribute("data-vega-spec"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (spec) {
        return window.vegaEmbed(holder, spec, {
          ast: true, expr: window.vega.expressionInterpreter, renderer: "svg", defaultStyle: false, forceActionsMenu: true,
          tooltip: {disableDefaultStyle: true}, actions: {export: true, source: false, compiled: false, editor: false},
          i18n: {CLICK_TO_VIEW_ACTIONS: labels.actions, SVG_ACTION: labels.svg, PNG_ACTION: labels.png}
        });
      })
      .then(function () {
        var summary = holder.querySelector("summary");
        if (summary) { summary.setAttribute("aria-label", labels.actions); }
        if (figure) { figure.classList.add("interactive"); }
      })
      .catch(function () { /* the server-drawn chart stays */ });
  }
  function start() {
    if (!window.vegaEmbed || !window.vega) { return; }
    document.querySelectorAll("[data-vega-spec]").forEach(draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
