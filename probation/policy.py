"""Named settings of the operating model and of the system, with their sources.

Every policy number the code uses lives here (or, for contract values, on the contract),
so a reviewer can find it in one hop. Each can be overridden from the environment.
"""

import datetime

import environ

_env = environ.Env()

# DOMAIN.md 11 / TOM Annex B: only vetted staff may open offender records. Vetting is
# current while the baseline personnel security check is recorded and the DBS check has
# not expired. The TOM does not fix a re-check interval, so the DBS expiry date recorded
# per staff member governs; this setting only warns ahead of expiry on the home page.
VETTING_EXPIRY_WARNING_DAYS = _env.int("VETTING_EXPIRY_WARNING_DAYS", default=30)

# The Case Reference Number (CRN) is issued by the platform: one letter and six digits,
# in the form probation staff know from nDelius (e.g. X123456).
CRN_PREFIX_LETTERS = "XABCDEFGHJKLMNPRSTUVWYZ"

# Rows per page on list pages (the API's PAGE_SIZE is in REST_FRAMEWORK).
PAGE_SIZE = _env.int("PAGE_SIZE", default=25)

# --- Custodial sentences: release and supervision (DOMAIN.md 3, Offender Rehabilitation
# Act 2014). The commencement date decides which regime an offence falls under.
ORA_COMMENCEMENT_DATE = datetime.date.fromisoformat(
    _env.str("ORA_COMMENCEMENT_DATE", default="2015-02-01")
)
# Terms of at least this many months get a licence only (already >= 12 months from release).
ORA_LICENCE_ONLY_TERM_MONTHS = 24
# Licence + post-sentence supervision add up to this many months from the CRD.
PSS_TOTAL_MONTHS = 12
# Before commencement: terms of at least this many months get a licence to the SED ...
PRE_ORA_LICENCE_TERM_MONTHS = 12
# ... and shorter terms none, except 18-20 year olds, who get this many months' supervision.
PRE_ORA_YOUNG_ADULT_SUPERVISION_MONTHS = 3
