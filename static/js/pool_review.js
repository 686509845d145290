// The pool review: a person's reason and note show only when "leave the pool" is chosen.
document.querySelectorAll("[data-testid=pool-review] fieldset[data-person]").forEach(function (box) {
  var details = box.querySelector(".leave-details");
  function sync() {
    var chosen = box.querySelector("input[type=radio]:checked");
    details.hidden = !(chosen && chosen.value === "leave");
  }
  box.addEventListener("change", sync);
  sync();
});
