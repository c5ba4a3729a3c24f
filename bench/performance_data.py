"""What the performance facts read beyond the payment-run benchmark's data
(bench/contracts_data.py), generated set-wise in PostgreSQL for bench/bench_performance.py
(benchmark data only: no history rows, no services, no audit).

On top of contracts_data's 250,000 people and their sentences (2014-2020):

- a team per CRC and per NPS division (based in its first LDU);
- for each managed start (a Community Order or SSO sentenced, a custodial sentence released
  onto licence or PSS): a first appointment attended 0-9 days after the start (88 %); an
  allocation decision (the NPS for the NPS's people, else the CRC) decided 0-2 days after
  the sentence, due the next working day; a termination when its supervision ended before
  September 2020 (mostly completed or expired); an offender manager assignment of the
  person to their provider's team from their first start;
- failures to comply for 8 % of the starts, each referred to an NPS enforcement officer
  (orders) or the subject of a recall request (licences), with the responsible officer's
  ``failure`` workflow event (made 0-3 days after, due in 2) and, for a referral, the
  enforcement officer's ``breach_referral`` decision (0-6 days, due in 5) or, for a recall,
  the ``recall_request`` endorsement;
- risk escalations of 3 % of the CRCs' starts, decided by the NPS division of the person's
  LDU (0-7 days, due in 5), with their ``risk_escalation`` events;
- accepted transfers of 2 % of the people to an LDU of another CPA.

Reproducible: ``setseed`` and no parallel workers (random() in a parallel worker ignores
the seed), every random draw over rows in id order. ``generate()`` does nothing when the
teams are already there; ``fresh=True`` deletes what it generated first.
"""

import time

from django.db import connection, transaction

SEED = 0.2016
TEAM_PREFIX = "Bench team "
# Emptied by a fresh generation (benchmark database only).
TRUNCATE = [
    "probation_offendermanagerassignment",
    "probation_casetransfer",
    "probation_workflowevent",
    "enforcement_riskescalation",
    "enforcement_failure",
    "allocation_allocationdecision",
    "probation_termination",
    "probation_contact",
]


def generated() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM probation_team WHERE name LIKE %s", [TEAM_PREFIX + "%"]
        )
        return cursor.fetchone()[0] > 0


STEPS = [
    ("seed", "SET LOCAL max_parallel_workers_per_gather = 0; SELECT setseed(%(seed)s)"),
    (
        "teams",
        """
        INSERT INTO probation_team (name, ldu_id, organisation_id)
        SELECT %(prefix)s || o.code,
               (SELECT min(l.id) FROM probation_organisation AS l
                 WHERE l.kind = 'LDU' AND (l.crc_id = o.id OR l.division_id = o.id)),
               o.id
        FROM probation_organisation AS o WHERE o.kind IN ('CRC', 'NPS_DIVISION')
        ORDER BY o.code
        """,
    ),
    (
        "temp: managed starts",
        """
        DROP TABLE IF EXISTS bench_start, bench_ldu_ring;
        CREATE TEMP TABLE bench_start AS
        SELECT o.*, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
               random() AS r5, random() AS r6
        FROM (
            SELECT s.id AS sentence_id, s.person_id, s.sentence_type, s.sentence_date,
                   s.pbr_provider_id,
                   CASE WHEN s.sentence_type = 'CUSTODIAL' THEN s.actual_release_date
                        ELSE s.sentence_date END AS start_date,
                   CASE WHEN s.sentence_type = 'CUSTODIAL' THEN
                        CASE WHEN s.licence_start_date IS NOT NULL THEN 'LICENCE' ELSE 'PSS' END
                        ELSE s.sentence_type END AS enforced_as,
                   s.supervision_end_date, p.responsible_provider_id AS provider_id,
                   p.ldu_id, l.division_id, l.crc_id, nps.id AS nps_id,
                   p.responsible_provider_id = nps.id AS nps_case
            FROM probation_sentence AS s
            JOIN probation_person AS p ON p.id = s.person_id
            JOIN probation_organisation AS l ON l.id = p.ldu_id
            CROSS JOIN (SELECT id FROM probation_organisation WHERE kind = 'NPS') AS nps
            WHERE s.management = 'MANAGED'
              AND (s.sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
                   OR (s.sentence_type = 'CUSTODIAL' AND s.actual_release_date IS NOT NULL
                       AND (s.licence_start_date IS NOT NULL
                            OR s.pss_start_date IS NOT NULL)))
            ORDER BY s.id
        ) AS o;
        CREATE INDEX ON bench_start (sentence_id);
        ANALYZE bench_start;
        """,
    ),
    (
        "first appointments",
        """
        INSERT INTO probation_contact (
            contact_type, starts_at, location, outcome, absence_reason, notes,
            unpaid_work_hours, counts_as_rar_day, created_at, updated_at, person_id,
            recorded_by_id, staff_id, requirement_id, sentence_id)
        SELECT 'OFFICE_APPOINTMENT',
               ((start_date + floor(r1 * 10)::int) + time '10:00') AT TIME ZONE 'Europe/London',
               '', 'ATTENDED_COMPLIED', '', '', NULL, false, now(), now(), person_id,
               %(user)s, NULL, NULL, sentence_id
        FROM bench_start WHERE r2 < 0.88 ORDER BY sentence_id
        """,
    ),
    (
        "allocation decisions",
        """
        INSERT INTO allocation_allocationdecision (
            kind, recommended_decision, recommended_rule, reasons, inputs, decision,
            judgement, moves_existing_sentences, review_by, review_triggers, due_by,
            decided_at, within_deadline, decided_by_id, offender_manager_id, organisation_id,
            pbr_provider_id, person_id, sentence_id, team_id, division_id, point, replaces_id)
        SELECT 'ALLOCATION', d.decision,
               CASE WHEN d.decision = 'NPS' THEN 'HIGH_ROSH' ELSE 'HOME_CPA_CRC' END,
               '[]', '{}', d.decision, '', false, NULL, '', d.due_by, d.decided_at,
               (d.decided_at AT TIME ZONE 'Europe/London')::date <= d.due_by, %(user)s, NULL,
               d.provider_id, d.pbr_provider_id, d.person_id, d.sentence_id, t.id,
               d.division_id, 'NEW_SENTENCE', NULL
        FROM (
            SELECT b.*, CASE WHEN nps_case THEN 'NPS' ELSE 'CRC' END AS decision,
                   sentence_date + CASE extract(isodow FROM sentence_date)
                       WHEN 5 THEN 3 WHEN 6 THEN 2 ELSE 1 END AS due_by,
                   ((sentence_date + floor(r3 * 3)::int) + time '15:00')
                       AT TIME ZONE 'Europe/London' AS decided_at
            FROM bench_start AS b
        ) AS d
        JOIN probation_team AS t ON t.organisation_id = d.division_id
                                AND t.name LIKE %(prefix)s || '%%'
        ORDER BY d.sentence_id
        """,
    ),
    (
        "terminations",
        """
        INSERT INTO probation_termination (
            terminated_on, reason, notes, recorded_at, recorded_by_id, sentence_id)
        SELECT supervision_end_date,
               CASE WHEN r4 < 0.55 THEN 'COMPLETED' WHEN r4 < 0.80 THEN 'EXPIRED'
                    WHEN r4 < 0.88 THEN 'REVOKED' WHEN r4 < 0.94 THEN 'BREACH_RESENTENCED'
                    WHEN sentence_type = 'CUSTODIAL' THEN 'RECALL_REVOKED' ELSE 'OTHER' END,
               '', now(), %(user)s, sentence_id
        FROM bench_start
        WHERE supervision_end_date < date '2020-09-01' ORDER BY sentence_id
        """,
    ),
    (
        "offender manager assignments",
        """
        INSERT INTO probation_offendermanagerassignment (
            started_at, ended_at, assigned_by_id, offender_manager_id, person_id,
            provider_id, team_id)
        SELECT (first_start + time '09:00') AT TIME ZONE 'Europe/London', NULL, NULL, NULL,
               a.person_id, a.provider_id, t.id
        FROM (
            SELECT person_id, min(start_date) AS first_start, min(provider_id) AS provider_id,
                   min(division_id) AS division_id, bool_or(nps_case) AS nps_case
            FROM bench_start GROUP BY person_id
        ) AS a
        JOIN probation_team AS t
          ON t.organisation_id = CASE WHEN a.nps_case THEN a.division_id ELSE a.provider_id END
         AND t.name LIKE %(prefix)s || '%%'
        ORDER BY a.person_id
        """,
    ),
    (
        "failures",
        """
        INSERT INTO enforcement_failure (
            state, step_started_at, due_by, opened_at, closed_at, enforced_as, failure_date,
            description, decided_at, decision_notes, options, warned_on, hmcts_notified_on,
            contact_id, decided_by_id, person_id, provider_id, recorded_by_id, sentence_id,
            waiting_on_id, warning_letter_id)
        SELECT CASE WHEN f.enforced_as IN ('LICENCE', 'PSS') THEN 'RECALL_REQUESTED'
                    ELSE 'REFERRED' END,
               f.opened_at, (f.opened_at AT TIME ZONE 'Europe/London')::date + 2, f.opened_at,
               f.decided_at, f.enforced_as,
               (f.opened_at AT TIME ZONE 'Europe/London')::date, 'Failed to attend',
               f.decided_at, '', '{}', NULL, NULL, NULL, %(user)s, f.person_id,
               f.provider_id, %(user)s, f.sentence_id, NULL, NULL
        FROM (
            SELECT b.*,
                   ((start_date + 20 + floor(r6 * 150)::int) + time '11:00')
                       AT TIME ZONE 'Europe/London' AS opened_at,
                   ((start_date + 20 + floor(r6 * 150)::int + floor(r1 * 4)::int)
                       + time '14:00') AT TIME ZONE 'Europe/London' AS decided_at
            FROM bench_start AS b WHERE r5 < 0.08
        ) AS f
        ORDER BY f.sentence_id
        """,
    ),
    (
        "failure decisions (workflow events)",
        """
        INSERT INTO probation_workflowevent (
            workflow, record_id, action, from_state, to_state, at, step_started_at, due_by,
            within_deadline, notes, actor_id, actor_organisation_id, person_id,
            step_organisation_id)
        SELECT 'failure', f.id,
               CASE WHEN f.state = 'REFERRED' THEN 'refer' ELSE 'request_recall' END,
               'AWAITING_DECISION', f.state, f.decided_at, f.step_started_at, f.due_by,
               (f.decided_at AT TIME ZONE 'Europe/London')::date <= f.due_by, '', %(user)s,
               f.provider_id, f.person_id, f.provider_id
        FROM enforcement_failure AS f ORDER BY f.id
        """,
    ),
    (
        "NPS answers to referrals and recall requests (workflow events)",
        """
        INSERT INTO probation_workflowevent (
            workflow, record_id, action, from_state, to_state, at, step_started_at, due_by,
            within_deadline, notes, actor_id, actor_organisation_id, person_id,
            step_organisation_id)
        SELECT a.workflow, a.id, a.action, a.from_state, a.to_state, a.answered_at,
               a.decided_at, a.due_by,
               (a.answered_at AT TIME ZONE 'Europe/London')::date <= a.due_by, '', %(user)s,
               a.division_id, a.person_id, a.division_id
        FROM (
            SELECT f.id, f.person_id, f.decided_at, l.division_id,
                   CASE WHEN f.state = 'REFERRED' THEN 'breach_referral'
                        ELSE 'recall_request' END AS workflow,
                   CASE WHEN f.state = 'REFERRED' THEN 'decide_court_action'
                        ELSE 'endorse' END AS action,
                   CASE WHEN f.state = 'REFERRED' THEN 'AWAITING_EO'
                        ELSE 'AWAITING_ENDORSEMENT' END AS from_state,
                   CASE WHEN f.state = 'REFERRED' THEN 'COURT_ACTION'
                        ELSE 'AWAITING_DECISION' END AS to_state,
                   (f.decided_at AT TIME ZONE 'Europe/London')::date + 5 AS due_by,
                   f.decided_at + make_interval(days => floor(random() * 7)::int)
                       AS answered_at
            FROM (SELECT * FROM enforcement_failure ORDER BY id) AS f
            JOIN probation_person AS p ON p.id = f.person_id
            JOIN probation_organisation AS l ON l.id = p.ldu_id
        ) AS a
        ORDER BY a.id
        """,
    ),
    (
        "risk escalations",
        """
        INSERT INTO enforcement_riskescalation (
            state, step_started_at, due_by, opened_at, closed_at, new_information,
            current_rosh, crc_view, immediate_risk, immediate_action, decided_at,
            decision_reason, continued_interventions, decided_by_id, division_id,
            nps_offender_manager_id, nps_team_id, person_id, raised_by_id,
            raised_by_organisation_id, waiting_on_id, risk_review_id)
        SELECT CASE WHEN e.r1 < 0.4 THEN 'HIGH' ELSE 'NOT_HIGH' END, e.opened_at,
               (e.opened_at AT TIME ZONE 'Europe/London')::date + 5, e.opened_at, e.decided_at,
               'New information', 'MEDIUM', 'Risk may have risen', false, '', e.decided_at,
               'Decided on the evidence', '', %(user)s, e.division_id, NULL, t.id,
               e.person_id, %(user)s, e.provider_id, NULL, NULL
        FROM (
            SELECT b.*,
                   ((start_date + 60 + floor(r6 * 200)::int) + time '12:00')
                       AT TIME ZONE 'Europe/London' AS opened_at,
                   ((start_date + 60 + floor(r6 * 200)::int + floor(r2 * 8)::int)
                       + time '16:00') AT TIME ZONE 'Europe/London' AS decided_at
            FROM bench_start AS b WHERE NOT nps_case AND r5 > 0.97
        ) AS e
        JOIN probation_team AS t ON t.organisation_id = e.division_id
                                AND t.name LIKE %(prefix)s || '%%'
        ORDER BY e.sentence_id
        """,
    ),
    (
        "escalation decisions (workflow events)",
        """
        INSERT INTO probation_workflowevent (
            workflow, record_id, action, from_state, to_state, at, step_started_at, due_by,
            within_deadline, notes, actor_id, actor_organisation_id, person_id,
            step_organisation_id)
        SELECT 'risk_escalation', e.id,
               CASE WHEN e.state = 'HIGH' THEN 'decide_high' ELSE 'decide_not_high' END,
               'AWAITING_NPS', e.state, e.decided_at, e.opened_at, e.due_by,
               (e.decided_at AT TIME ZONE 'Europe/London')::date <= e.due_by, '', %(user)s,
               e.division_id, e.person_id, e.division_id
        FROM enforcement_riskescalation AS e ORDER BY e.id
        """,
    ),
    (
        "transfers",
        """
        CREATE TEMP TABLE bench_ldu_ring AS
            SELECT row_number() OVER (ORDER BY code)::int AS rn, id, crc_id
            FROM probation_organisation WHERE kind = 'LDU';
        INSERT INTO probation_casetransfer (
            reason, requested_at, status, location_suitability, decided_at, decision_reason,
            pbr_providers, decided_by_id, from_ldu_id, from_provider_id, person_id,
            requested_by_id, to_ldu_id, to_provider_id)
        SELECT 'Moved home', t.requested_at, 'ACCEPTED', '', t.requested_at + interval '3 days',
               '', '[]', %(user)s, t.ldu_id, t.provider_id, t.person_id, %(user)s, r.id,
               CASE WHEN t.provider_id = t.nps_id THEN t.nps_id ELSE r.crc_id END
        FROM (
            SELECT p.*, random() AS r_pick,
                   (timestamp '2015-02-01 10:00' + random() * interval '2000 days')
                       AT TIME ZONE 'Europe/London' AS requested_at
            FROM (
                SELECT p.id AS person_id, p.ldu_id, p.responsible_provider_id AS provider_id,
                       nps.id AS nps_id, f.rn AS from_rn
                FROM probation_person AS p
                JOIN bench_ldu_ring AS f ON f.id = p.ldu_id
                CROSS JOIN (SELECT id FROM probation_organisation WHERE kind = 'NPS') AS nps
                ORDER BY p.id
            ) AS p
        ) AS t
        JOIN bench_ldu_ring AS r
          ON r.rn = 1 + (t.from_rn + 36) %% (SELECT count(*) FROM bench_ldu_ring)
        WHERE t.r_pick < 0.02
        ORDER BY t.person_id
        """,
    ),
]


def generate(user_id: int, fresh: bool = False) -> list:
    """Generate the facts (module docstring) as ``user_id``. Returns (step, rows, seconds)
    per step."""
    log: list[tuple[str, int, float]] = []
    if not fresh and generated():
        return log
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("TRUNCATE " + ", ".join(TRUNCATE) + " CASCADE")
        cursor.execute("DELETE FROM probation_team WHERE name LIKE %s", [TEAM_PREFIX + "%"])
        log.append(("truncate", -1, round(time.perf_counter() - started, 1)))
        params = {"seed": SEED, "user": user_id, "prefix": TEAM_PREFIX}
        for label, sql in STEPS:
            started = time.perf_counter()
            cursor.execute(sql, params)
            log.append((label, cursor.rowcount, round(time.perf_counter() - started, 1)))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        log.append(("vacuum analyze", -1, round(time.perf_counter() - started, 1)))
    return log
