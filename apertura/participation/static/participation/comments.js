// When htmx swaps a section's page of comments, the link that was clicked goes away with the old list and the
// focus falls back to the start of the document: keyboard and screen-reader users would lose their place. Moving
// the focus to the new list's heading puts them where they were and reads out which list and page they are on.
// Without JavaScript the links are plain links to #section-N, which the browser already focuses.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.target;
    if (!list.matches || !list.matches("[data-focus-after-swap]")) { return; }
    var heading = list.querySelector("h3") || list;
    heading.setAttribute("tabindex", "-1");
    // htmx already scrolled the section into view (show:…:top); focusing must not scroll it again.
    heading.focus({preventScroll: true});
  });
})();
