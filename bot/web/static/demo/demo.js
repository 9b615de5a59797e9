// The demo shop page (/demo). A file rather than inline script: the page's content security policy
// allows only this origin's files. The search form needs no script: it is a plain GET to the help centre.
"use strict";
document.getElementById("open-chat").addEventListener("click", function () {
  if (window.EffortlessChat) window.EffortlessChat.open();
});
