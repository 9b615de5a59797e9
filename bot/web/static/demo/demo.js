// The demo shop page (/demo). A file rather than inline script: the page's content security policy
// allows only this origin's files.
"use strict";
document.querySelector("form.search").addEventListener("submit", function (event) {
  event.preventDefault();
});
document.getElementById("open-chat").addEventListener("click", function () {
  if (window.EffortlessChat) window.EffortlessChat.open();
});
