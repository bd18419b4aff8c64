"""Online donations through Stripe, webhooks, refunds, payouts and Gift Aid."""
