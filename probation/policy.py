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

# --- Community Orders and Suspended Sentence Orders (DOMAIN.md 3) ------------------------
# Crime and Courts Act 2013 sch. 16: from this date every community order needs a punitive
# requirement or a fine.
PUNITIVE_ELEMENT_COMMENCEMENT_DATE = datetime.date.fromisoformat(
    _env.str("PUNITIVE_ELEMENT_COMMENCEMENT_DATE", default="2013-12-11")
)
# Which requirements count as punitive. DOMAIN.md does not list them; these are the
# requirements that restrict liberty rather than rehabilitate (a system setting).
PUNITIVE_REQUIREMENTS = (
    "UNPAID_WORK",
    "CURFEW",
    "CURFEW_EM",
    "EXCLUSION",
    "EXCLUSION_EM",
    "PROHIBITED_ACTIVITY",
    "FOREIGN_TRAVEL_PROHIBITION",
)
# An SSO's supervision period: 6 months to 2 years (DOMAIN.md 3).
SSO_SUPERVISION_MIN_MONTHS = 6
SSO_SUPERVISION_MAX_MONTHS = 24
# Attendance centre requirements are for under-25s only (DOMAIN.md 3).
ATTENDANCE_CENTRE_MAX_AGE_EXCLUSIVE = 25
# Criminal Justice Act 2003 s.199 (unpaid work 40-300 hours) and s.204 as amended by
# LASPO 2012 (curfew 2-16 hours a day).
UNPAID_WORK_HOURS_MIN = 40
UNPAID_WORK_HOURS_MAX = 300
CURFEW_HOURS_PER_DAY_MIN = 2
CURFEW_HOURS_PER_DAY_MAX = 16

# --- Contacts (National Standards 2011; DOMAIN.md 11) -------------------------------------
# The first appointment after sentence or release should happen within this many business
# days. DOMAIN.md does not fix the standard; 5 business days is a system setting.
FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS = _env.int(
    "FIRST_APPOINTMENT_WITHIN_BUSINESS_DAYS", default=5
)

# --- Business-day calendar (DOMAIN.md 4: business days exclude weekends and the England &
# Wales bank holidays, which come from the ``holidays`` package in probation.calendar).
# One-off closures on top of those (e.g. an extra bank holiday proclaimed at short notice),
# as comma-separated ISO dates in the environment: "2027-06-04,2027-06-07". A system setting.
BUSINESS_CLOSURE_DATES = tuple(
    datetime.date.fromisoformat(value.strip())
    for value in _env.list("BUSINESS_CLOSURE_DATES", default=[])
    if value.strip()
)

# --- Contacts: credits toward requirements ------------------------------------------------
# The most unpaid work hours one session can credit. DOMAIN.md does not fix it; 12 hours is
# a system choice (a long day's session), guarding against typing errors such as 80 for 8.
UNPAID_WORK_MAX_HOURS_PER_SESSION = _env.int("UNPAID_WORK_MAX_HOURS_PER_SESSION", default=12)

# --- Deferred sentences (DOMAIN.md 3, 4: the NPS supervises until sentence) ---------------
# Powers of Criminal Courts (Sentencing) Act 2000 s.1(4): sentence may be deferred for at
# most six months from the date of the deferment.
DEFERMENT_MAX_MONTHS = 6

# --- Allocation (DOMAIN.md 4) ---------------------------------------------------------------
# Risk of Serious Recidivism (RSR, a percentage): at or above the high threshold while RoSH is
# below high, a case may go to a CRC only with a recorded clinical judgement; the medium band
# starts at the medium threshold (issue "Allocation" defaults).
RSR_HIGH_THRESHOLD = _env.float("RSR_HIGH_THRESHOLD", default=6.9)
RSR_MEDIUM_THRESHOLD = _env.float("RSR_MEDIUM_THRESHOLD", default=3.0)
# Foreign nationals given immediate custody of at least this many months meet the deportation
# criteria and stay with the NPS (DOMAIN.md 4, rule 5).
FOREIGN_NATIONAL_CUSTODY_MONTHS = 12

# --- Termination (DOMAIN.md 6, 8) -----------------------------------------------------------
# DOMAIN.md 8: the NPS's statutory Victim Contact Scheme covers custodial sentences of 12
# months or more for violent or sexual offences. The platform does not classify offences,
# so the victim liaison unit is told of every custodial sentence of 12 months or more and
# decides itself whether a victim opted in (telling it too often is safe, too rarely not).
VICTIM_CONTACT_SCHEME_MIN_TERM_MONTHS = 12

# --- Risk escalation, serious further offences and enforcement (DOMAIN.md 5, 6) ------------
# The operating model fixes none of these timescales ("to specified timescales", "as soon as
# possible"); each is a system setting, in business days (probation.calendar), counted from
# the day the step began: 0 means the same business day. The steps that use them are listed
# in enforcement.workflows, and every default in the README ("Deadlines of the workflows").
# Risk escalation referral: the NPS decides within this many business days ...
RISK_ESCALATION_DECISION_BUSINESS_DAYS = _env.int(
    "RISK_ESCALATION_DECISION_BUSINESS_DAYS", default=5
)
# ... and the same day when the CRC flags an immediate risk (the same-day queue).
IMMEDIATE_RISK_DECISION_BUSINESS_DAYS = _env.int("IMMEDIATE_RISK_DECISION_BUSINESS_DAYS", default=0)
# Intelligence passed by the NPS: the CRC acknowledges it within this many business days.
INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS = _env.int(
    "INTELLIGENCE_ACKNOWLEDGEMENT_BUSINESS_DAYS", default=1
)
# Serious further offence: the management review is due this many business days after NOMS
# is notified (TOM 1.4: "to specified timescales"; the figure is a setting) ...
SFO_REVIEW_BUSINESS_DAYS = _env.int("SFO_REVIEW_BUSINESS_DAYS", default=60)
# ... after a conviction whose victims opted in, the Victim Summary Report is due in this
# many business days, and the meeting to share it this many after it is written.
VSR_BUSINESS_DAYS = _env.int("VSR_BUSINESS_DAYS", default=20)
VSR_MEETING_BUSINESS_DAYS = _env.int("VSR_MEETING_BUSINESS_DAYS", default=20)
# Failure to comply: the responsible officer decides (warning, referral, recall ...) within
# this many business days of recording it.
FAILURE_DECISION_BUSINESS_DAYS = _env.int("FAILURE_DECISION_BUSINESS_DAYS", default=2)
# Breach referral: the NPS enforcement officer decides within this many business days; a
# referral returned with advice is acted on by the responsible officer in as many.
BREACH_DECISION_BUSINESS_DAYS = _env.int("BREACH_DECISION_BUSINESS_DAYS", default=5)
BREACH_ADVICE_BUSINESS_DAYS = _env.int("BREACH_ADVICE_BUSINESS_DAYS", default=5)
# Recall: an NPS senior manager endorses (or not) within this many business days; PPCS
# decides a standard request within as many, and an emergency one the same day.
RECALL_ENDORSEMENT_BUSINESS_DAYS = _env.int("RECALL_ENDORSEMENT_BUSINESS_DAYS", default=1)
RECALL_DECISION_BUSINESS_DAYS = _env.int("RECALL_DECISION_BUSINESS_DAYS", default=1)
EMERGENCY_RECALL_DECISION_BUSINESS_DAYS = _env.int(
    "EMERGENCY_RECALL_DECISION_BUSINESS_DAYS", default=0
)
# Deadline jobs: a reminder this many business days before a deadline (steps due the day
# they begin get none), and for the risk reviews set at allocation this many before the
# review-by date; an alert the first business day after it.
WORKFLOW_REMINDER_BUSINESS_DAYS = _env.int("WORKFLOW_REMINDER_BUSINESS_DAYS", default=1)
RISK_REVIEW_REMINDER_BUSINESS_DAYS = _env.int("RISK_REVIEW_REMINDER_BUSINESS_DAYS", default=5)

# --- Through the Gate resettlement (DOMAIN.md 7, TOM 2.1) -----------------------------------
# TOM 2.1 "Needs Screening": the CRC has access to part 1 of the basic custody screening
# within 3 days of reception (calendar days: the TOM says "3 days", not business days) ...
SCREENING_ACCESS_CALENDAR_DAYS = _env.int("SCREENING_ACCESS_CALENDAR_DAYS", default=3)
# ... and completes part 2 and the resettlement plan within five business days of reception.
RESETTLEMENT_PLAN_BUSINESS_DAYS = _env.int("RESETTLEMENT_PLAN_BUSINESS_DAYS", default=5)
# TOM 2.1 and 2.2: the plan is shared with the allocated CRC or the NPS (for a remand
# prisoner, the home CRC) within one business day of its completion.
PLAN_SHARING_BUSINESS_DAYS = _env.int("PLAN_SHARING_BUSINESS_DAYS", default=1)
# TOM 2.2 "Pre-release resettlement services": not more than 12 weeks before release.
PRE_RELEASE_WINDOW_DAYS = _env.int("PRE_RELEASE_WINDOW_DAYS", default=84)
# The CRC's (or NPS's) home circumstances report for a home detention curfew decision, and
# its input to a ROTL request, are due this many business days after the prison asks. The
# TOM fixes neither (TOM 2.1 "HDC and ROTL": "contractually responsible for contributing");
# both are system settings.
HDC_HOME_CIRCUMSTANCES_BUSINESS_DAYS = _env.int("HDC_HOME_CIRCUMSTANCES_BUSINESS_DAYS", default=10)
ROTL_INPUT_BUSINESS_DAYS = _env.int("ROTL_INPUT_BUSINESS_DAYS", default=5)
# The pre-release tasks (release preparation, accommodation, employment) are due this many
# business days before the release date. The TOM does not fix it; a system setting.
PRE_RELEASE_TASKS_DUE_BUSINESS_DAYS_BEFORE_RELEASE = _env.int(
    "PRE_RELEASE_TASKS_DUE_BUSINESS_DAYS_BEFORE_RELEASE", default=5
)
# TOM 2.2 "Adult Male Prisoners": at least 80 % of adult men released from a resettlement
# prison designated to the CRC they are allocated to, after at least three months in
# resettlement prisons.
DESIGNATED_RELEASE_TARGET_PERCENT = _env.int("DESIGNATED_RELEASE_TARGET_PERCENT", default=80)
DESIGNATED_RELEASE_MINIMUM_MONTHS = _env.int("DESIGNATED_RELEASE_MINIMUM_MONTHS", default=3)
# TOM 2.2: a shared adult male prison has one host CRC besides its host: lead provider;
# women's and young-adult establishments up to three.
MAX_HOST_CRCS_ADULT_MALE = _env.int("MAX_HOST_CRCS_ADULT_MALE", default=1)
MAX_HOST_CRCS_WOMEN_YOUNG_ADULT = _env.int("MAX_HOST_CRCS_WOMEN_YOUNG_ADULT", default=3)
# TOM 2.2 "Young Adult Male Prisoners": men aged 18 to 20 are young adults, so the
# designated-release measure of adult men counts those at least this old on the release day.
DESIGNATED_RELEASE_ADULT_AGE = _env.int("DESIGNATED_RELEASE_ADULT_AGE", default=21)

# --- Contracts and payment (DOMAIN.md 9; TOM 6.4-6.5) ---------------------------------------
# Contract years run twelve calendar months from this date (the first CRC contracts began on
# 1 February 2015); each contract records its own start and end, this is the default.
CONTRACT_FIRST_YEAR_START = datetime.date.fromisoformat(
    _env.str("CONTRACT_FIRST_YEAR_START", default="2015-02-01")
)
# DOMAIN.md 9: a cohort member reoffends if an offence committed within this many months of
# entering the cohort ...
PBR_REOFFENDING_FOLLOW_UP_MONTHS = _env.int("PBR_REOFFENDING_FOLLOW_UP_MONTHS", default=12)
# ... was proven (convicted or cautioned) within this many months of entry (the follow-up
# year and a six-month waiting period for the courts).
PBR_PROVEN_WITHIN_MONTHS = _env.int("PBR_PROVEN_WITHIN_MONTHS", default=18)
# The national reoffending data reaches NOMS some months after the waiting period ends; a
# cohort is paid in the first run on or after the month that follows the last member's
# waiting period by this many months. The TOM does not fix the lag: a system setting.
PBR_DATA_LAG_MONTHS = _env.int("PBR_DATA_LAG_MONTHS", default=3)
# The monthly payment run (contracts.tasks) pays the month before, on this day of the
# month at this local time (FFS is paid in arrears, TOM 6.4). A system setting.
PAYMENT_RUN_DAY_OF_MONTH = _env.int("PAYMENT_RUN_DAY_OF_MONTH", default=5)
PAYMENT_RUN_TIME = _env.str("PAYMENT_RUN_TIME", default="02:30")


# --- Performance facts and open data (issue 9; DOMAIN.md 10) ---------------------------------
# Not set by the operating model: the platform's choices, documented in the README.
# The nightly job that materialises the monthly performance facts runs at this local time.
FACTS_REFRESH_TIME = _env.str("FACTS_REFRESH_TIME", default="03:30")
# The first month with facts (the first contract year's first month by default).
FACTS_FIRST_MONTH = datetime.date.fromisoformat(
    _env.str("FACTS_FIRST_MONTH", default=CONTRACT_FIRST_YEAR_START.isoformat())
)
# Months whose clocks may still be running (the current month and the ones before it) are
# computed again every night even when no case data changed; older months only when case
# data changed since they were computed.
FACTS_OPEN_MONTHS = _env.int("FACTS_OPEN_MONTHS", default=2)
# Open data: counts from 1 to this are suppressed ([c]), with the rates computed from them.
OPEN_DATA_SUPPRESS_AT_MOST = _env.int("OPEN_DATA_SUPPRESS_AT_MOST", default=4)
# Funnel plots: a unit flagged this many months running is highlighted on the overview.
FUNNEL_PERSISTENT_MONTHS = _env.int("FUNNEL_PERSISTENT_MONTHS", default=3)
