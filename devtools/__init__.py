"""Development tools that are not the product: the Stripe test double."""
