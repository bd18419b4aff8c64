"""A card provider's transaction report for the contactless tests, and its terminals."""

from donations.services.taps import tap_terminal_create

# 3 Nov: two taps at the café's terminal; 4 Nov: one at the pharmacy's; all in payout PO-1.
# Worked by hand: amounts 5.00 + 30.00 + 30.01 = 65.01; fees 0.09 + 0.53 + 0.53 = 1.15;
# net 63.86 (café 35.00 - 0.62 = 34.38, pharmacy 30.01 - 0.53 = 29.48).
REPORT = (
    "Date and time,Amount,Fee,Terminal ID,Payout ID,Transaction ID\n"
    "03/11/2026 09:15,5.00,0.09,TID-CAFE,PO-1,TX-1\n"
    "03/11/2026 12:40,30.00,0.53,TID-CAFE,PO-1,TX-2\n"
    "2026-11-04 17:05,30.01,0.53,TID-PHARM,PO-1,TX-3\n"
)

# The third line's amount is not an amount.
MALFORMED = (
    "Date and time,Amount,Fee,Terminal ID,Payout ID,Transaction ID\n"
    "03/11/2026 09:15,5.00,0.09,TID-CAFE,PO-1,TX-1\n"
    "03/11/2026 12:40,thirty,0.53,TID-CAFE,PO-1,TX-2\n"
)


def terminals(officer, cafe, pharmacy):
    return (
        tap_terminal_create(actor=officer, point=cafe, provider="SumUp", terminal_id="TID-CAFE"),
        tap_terminal_create(
            actor=officer, point=pharmacy, provider="SumUp", terminal_id="TID-PHARM"
        ),
    )
