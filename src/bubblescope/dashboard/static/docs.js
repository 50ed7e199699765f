"use strict";
// Swagger UI from the installed swagger-ui-bundle package: no CDN, no inline script.
document.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
