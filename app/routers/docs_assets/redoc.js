// Starts ReDoc on /redoc, from a file so the page needs no inline script.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, { hideDownloadButton: false }, root);
})();
