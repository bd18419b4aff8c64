"""Run the Stripe test double alone: ``python -m devtools.stripe_double --port 12111``."""

import argparse
import threading

from devtools.stripe_double import StripeDouble


def main() -> None:
    parser = argparse.ArgumentParser(description="A local Stripe test double.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", default="sk_test_offline_double")
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/stripe/webhook/")
    parser.add_argument("--webhook-secret", default="whsec_offline_double")
    args = parser.parse_args()
    double = StripeDouble(
        api_key=args.api_key,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        deliver_async=False,
    ).start(port=args.port)
    print(
        f"Stripe test double on {double.base_url} (dashboard: {double.base_url}/_double/)",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        double.stop()


if __name__ == "__main__":
    main()
