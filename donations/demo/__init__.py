"""Demo data: a year of collection boxes, online gifts, the funder's contribution and the
Gift Aid and GASDS claims, in Doncaster town centre.

Each ``*_timeline`` returns the steps of its part of the year; ``seed_demo`` runs every
app's steps together in time order, each under the demo clock (``fund.clock``), so every
record carries the date it would have had and every ledger entry its real effective date.
Everything goes through the services the pages use.

One module a feature, the same names as ``donations/services/``: ``cash`` (collection
boxes and deposits), ``taps`` (tap terminals and SumUp's reports), ``contributions``,
``giftaid`` (Gift Aid and GASDS claims) and ``online`` (giving through the Stripe double).
Callers import from the feature module.
"""
