// Starts Swagger UI on /docs. Kept out of the page so the page needs no inline script and
// runs under a CSP of `script-src 'self'`; the page's data attributes carry what varies.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    // The default validator badge is an image from a public server: nothing leaves the gateway.
    validatorUrl: null,
    tryItOutEnabled: true,
    showExtensions: true,
    showCommonExtensions: true,
  });
})();
