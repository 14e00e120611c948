/* Candor's own analytics tag (P10): loaded only for visitors who agreed to analytics.
 *
 * It gives the browser a random id in a first-party cookie, candor_analytics, for 13 months
 * (as the cookie page says), so visits can be told apart. It makes no network request and
 * reads nothing else: no fingerprinting, no third party. */
(function () {
  "use strict";
  var name = "candor_analytics";
  var maxAge = 396 * 24 * 60 * 60; // 13 months, as registered in candor.privacy.cookies
  var held = document.cookie.split("; ").some(function (pair) {
    return pair.indexOf(name + "=") === 0;
  });
  if (held || !window.crypto || !window.crypto.getRandomValues) {
    return;
  }
  var bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  var id = Array.prototype.map
    .call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    })
    .join("");
  document.cookie =
    name + "=" + id + "; Max-Age=" + maxAge + "; Path=/; SameSite=Lax" +
    (window.location.protocol === "https:" ? "; Secure" : "");
})();
