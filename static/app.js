// Progressive enhancement only: every page works without this file.
// Asks before a delete or retire button submits its form.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.classList.contains("danger")) {
    var label = button.textContent.replace(/\s+/g, " ").trim();
    if (!window.confirm(label + "\nよろしいですか？この操作は取り消せません。")) {
      event.preventDefault();
    }
  }
});

// After a refused post, the error summary takes the focus so a screen reader announces it
// and keyboard users start there.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) {
    summary.focus();
  }
});
