// Payment methods with Stripe: the card is entered into Stripe Elements and confirmed on a
// SetupIntent by Stripe.js, so its number never reaches Prorata; only the PaymentMethod id the
// SetupIntent returns is posted, and the server attaches it to the tenant's Stripe Customer.
(function () {
  const form = document.getElementById("stripe-card");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  let busy = false;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.clientSecret, {payment_method: {card: card}});
    if (result.error || !result.setupIntent) {
      errors.textContent = form.dataset.failed + " " + ((result.error && result.error.message) || "");
      busy = false;
      return;
    }
    form.elements["stripe_payment_method"].value = result.setupIntent.payment_method;
    form.submit();
  });
})();
