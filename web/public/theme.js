// Applies the cached theme before the first paint, so a dark-theme user never sees a
// white flash. Loaded as a file (not inline) so the page needs no 'unsafe-inline'.
(function () {
  try {
    var saved = JSON.parse(localStorage.getItem("monitron.theme") || "null") || {};
    var theme = saved.theme || "system";
    var dark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
    var root = document.documentElement;
    if (dark) root.classList.add("dark");
    root.setAttribute("data-color", saved.color === "orange" || saved.color === "green" ? saved.color : "blue");
  } catch (e) {
    document.documentElement.setAttribute("data-color", "blue");
  }
})();
