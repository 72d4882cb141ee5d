"""Who may use the funding pages.

The OPCC's admins and analysts manage the money (sources, allocations, awards, posts, match
funding, variations, imports) and review providers' returns; board members read it. A provider's
managers see their own organisation's awards and posts and submit its monitoring returns. Nobody
else sees any of it.
"""

import rules

from waymark.accounts.rules import is_board_member, is_opcc_admin, is_opcc_analyst, is_provider_manager

rules.add_perm("funding.view_funding", is_opcc_admin | is_opcc_analyst | is_board_member)
rules.add_perm("funding.manage_funding", is_opcc_admin | is_opcc_analyst)
rules.add_perm("funding.submit_returns", is_provider_manager)
# Awards, posts and returns serve both sides: the OPCC sees the portfolio, a provider's managers
# their own organisation's (the querysets' `visible_to` narrows the rows).
_portfolio_or_own = is_opcc_admin | is_opcc_analyst | is_board_member | is_provider_manager
rules.add_perm("funding.view_awards", _portfolio_or_own)
rules.add_perm("funding.view_posts", _portfolio_or_own)
# Providers' returns (their narrative and risks) go to the OPCC's reviewers, not the board,
# which sees the roll-ups.
rules.add_perm("funding.view_returns", is_opcc_admin | is_opcc_analyst | is_provider_manager)
