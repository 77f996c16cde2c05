// Confirm payment: Stripe.js lets the cardholder confirm the PaymentIntent with their bank
// (3-D Secure); then the form is posted and the server asks Stripe whether it succeeded.
(function () {
  const form = document.getElementById("confirm-payment");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const errors = document.getElementById("confirm-errors");
  let busy = false;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    errors.textContent = "";
    const result = await stripe.confirmCardPayment(form.dataset.clientSecret);
    if (result.error || !result.paymentIntent || result.paymentIntent.status !== "succeeded") {
      errors.textContent = form.dataset.failed + " " + ((result.error && result.error.message) || "");
      busy = false;
      return;
    }
    form.submit();
  });
})();
