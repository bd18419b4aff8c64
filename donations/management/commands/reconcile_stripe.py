"""Check the ledger's Stripe balance against Stripe's own and post what webhooks missed.

Run daily by the ``clf-reconcile-stripe`` timer (see DEPLOY.md). It reads Stripe's balance
(available plus pending) and walks its balance transactions since the last check; a fee or
a refund whose webhook never came is posted through the same services the webhooks use,
and anything else is listed with the action that fixes it on the Stripe balance checks
page (the dashboard warns until the difference is £0.00). Exits with status 1 only when
Stripe cannot be read.
"""

from django.core.management.base import BaseCommand, CommandError

from donations.exceptions import StripeReconcileFailed
from donations.services.stripe_reconcile import stripe_balance_reconcile
from fund.money import format_gbp


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        try:
            check = stripe_balance_reconcile(actor=None)
        except StripeReconcileFailed as error:
            raise CommandError(str(error)) from error
        findings = list(check.findings.all())
        posted = [f for f in findings if f.status == f.Status.POSTED]
        open_ = [f for f in findings if f.status == f.Status.OPEN]
        lines = [
            f"Stripe balance {format_gbp(check.stripe_balance)} "
            f"(available {format_gbp(check.stripe_available)}, "
            f"pending {format_gbp(check.stripe_pending)}); "
            f"ledger {format_gbp(check.ledger_balance)}; "
            f"difference {format_gbp(check.difference)}.",
            f"Walked {check.walked} balance transaction(s); "
            f"posted {len(posted)} missing entr{'y' if len(posted) == 1 else 'ies'}; "
            f"{len(open_)} need a person.",
        ]
        for finding in findings:
            lines.append(
                f"  {finding.balance_transaction_id} {finding.type} "
                f"{format_gbp(finding.net)}: {finding.lacking} {finding.action}"
            )
        if check.difference.amount:
            lines.append("The balances differ: see the Stripe balance checks page.")
        self.stdout.write("\n".join(lines))
