"""Hardening before the season: rings to close and backup power to add.

:mod:`~planner.hardening.rings` proposes the cheapest second fiber path along the roads
for each part of the network that hangs on a single route (``propose_rings``);
:mod:`~planner.hardening.backup` chooses the sites to give longer batteries or a
generator so that the most households keep 4G through a stated outage
(``propose_backup``). Both rank their proposals by households protected per VND.
"""
