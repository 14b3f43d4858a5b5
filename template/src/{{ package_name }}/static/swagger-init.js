// Starts Swagger UI. It lives here, not inline in the page, so that the page's
// Content-Security-Policy can forbid inline scripts.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui");
  var settings = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  settings.url = container.dataset.specUrl;
  settings.dom_id = "#swagger-ui";
  window.ui = SwaggerUIBundle(settings);
});
