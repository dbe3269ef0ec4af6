"use strict";
// The page's own main landmark and h1 hold the widget until it renders its own
// (<main id="operations"> and the title's <h1>): then the widget moves out of ours and ours
// goes, so the page has one main and one h1 (axe landmark-one-main, page-has-heading-one,
// landmark-no-duplicate-main).
(() => {
  const placeholder = document.getElementById("api-docs-placeholder");
  const widget = document.getElementById("swagger-ui");
  if (!placeholder || !widget) return;
  const settle = () => {
    if (!widget.querySelector("main") || !widget.querySelector("h1")) return false;
    placeholder.replaceWith(widget);
    return true;
  };
  if (settle()) return;
  const observer = new MutationObserver(() => {
    if (settle()) observer.disconnect();
  });
  observer.observe(widget, {childList: true, subtree: true});
})();
