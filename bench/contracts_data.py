"""National-scale facts for the payment-run benchmark (bench/bench_contracts.py), generated
set-wise in PostgreSQL (``INSERT ... SELECT generate_series``; benchmark data only: no
history rows, no services).

Five contract years of cohorts (contract year 1 starts 2015-02-01; years 1-5 run from
February 2015 to January 2020), with a year of sentences either side so the windows matter:

- ``PEOPLE`` people (250,000) spread over the 153 LDUs of the 21 CPAs, 70 % allocated to
  the CRC of their LDU and 30 % to the NPS, 97 % with a (valid) PNC number;
- 1-5 sentences each (about 620,000), sentenced between February 2014 and August 2020:
  Community Orders (40 %) and SSOs (20 %), with an UNPAID_WORK requirement for 45 % of them
  (hours at and either side of the band edges 100/101/200/201 for a third of those, the rest
  40-300) and a RAR; custodial sentences (37 %) released onto licence, onto PSS only (8 %:
  no licence start, a PSS start), a few released a few days after the licence start, the
  rest still in custody; Senior Attendance Centre orders (1 %, with a PbR provider: never a
  start or a cohort member); deferred sentences (2 %). The PbR provider is the CRC for CRC
  cases (3 % of them another CRC: reallocated in error or transferred), empty for NPS cases
  and for orders probation does not manage (EM only, SSO without requirements, one-day
  custody);
- 21 prisons (one per CPA) and a custody episode for 85 % of the released custodial
  sentences (and each person's latest one still in custody), 85 % of them with a resettlement
  plan completed by the CRC of the person's home CPA (NPS cases included) 2-9 days after
  reception;
- proven reoffences for a third of the PNC numbers (1-6 each, committed from 45 days before
  to about two years after one of the person's sentences or releases, more of them early;
  proven 5-600 days later), plus
  2,000 rows matching nobody, owned by one ``ReoffendingImport``;
- the contracts of the 21 CRCs for the 5 years (figures as in tests/contracts/factories.py:
  weights, bands, tolerance 5 %; predicted WAV set from the generated facts times a factor
  per CPA between 0.90 and 1.10, so some CRCs land above, inside and below their band;
  binary baselines 0.11-0.15, annual binary baselines 0.10-0.13 and frequency baselines
  1.4-1.8 by CPA, about the generated reoffending, so outcomes differ), each with a rate card
  (a programme place and the attendance-centre hour) and, for January 2020, 40 fee-for-use
  deliveries per CRC ordered by the NPS.

``generate(fresh=False)`` does nothing when the facts are already there (PEOPLE people and
105 contracts); ``fresh=True`` empties the generated tables first (TRUNCATE: benchmark
database only).
"""

import time

from django.db import connection, transaction

PEOPLE = 250_000
FIRST_YEAR_START = "2015-02-01"
YEARS = 5
SEED = 0.2015
USERNAME = "bench.contracts"

WEIGHTS = {
    "COMMUNITY_ORDER": "1.0",
    "SUSPENDED_SENTENCE_ORDER": "1.2",
    "LICENCE": "1.5",
    "PSS": "0.5",
    "RESETTLEMENT_PLAN": "0.3",
}
BANDS = [
    {"max_hours": 100, "weight": "0.4"},
    {"max_hours": 200, "weight": "0.8"},
    {"max_hours": None, "weight": "1.2"},
]
# Predicted WAV = actual WAV × the factor of the CPA (cpa_number % 7): above, inside and
# below the ±5 % band.
FACTORS = ["0.90", "0.96", "1.00", "1.03", "1.10", "0.97", "1.06"]

# Tables emptied by a fresh generation (TRUNCATE ... CASCADE: it also empties what refers to
# them – the ledger, runs, service level results; the append-only trigger is a row trigger).
TRUNCATE = [
    "contracts_delivery",
    "contracts_ratecardorder",
    "contracts_ratecarditem",
    "contracts_servicelevel",
    "contracts_ledgerentry",
    "contracts_paymentrunpart",
    "contracts_paymentrun",
    "contracts_servicelevelresult",
    "contracts_contract",
    "contracts_provenreoffence",
    "contracts_reoffendingimport",
    "resettlement_resettlementplan",
    "resettlement_custodyepisode",
    "resettlement_prison",
    "probation_requirement",
    "probation_sentence",
    "probation_person",
]


def _run(cursor, sql, params=None, label=None, log=None):
    started = time.perf_counter()
    cursor.execute(sql, params or {})
    if label and log is not None:
        log.append((label, cursor.rowcount, round(time.perf_counter() - started, 1)))


def generated() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probation_person")
        people = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM contracts_contract")
        contracts = cursor.fetchone()[0]
    return people >= PEOPLE and contracts >= 21 * YEARS


def _user_id():
    from probation.models import Organisation, User

    user, _ = User.objects.get_or_create(
        username=USERNAME,
        defaults={
            "first_name": "Bench",
            "last_name": "Contracts",
            "organisation": Organisation.objects.get(code="NOMS"),
        },
    )
    return user.pk


def generate(wav_sql: str, fresh: bool = False, people: int = PEOPLE) -> list:
    """Generate the facts (module docstring); ``wav_sql`` is the benchmark's hand-written
    WAV query (it sets the predicted WAVs). Returns (step, rows, seconds) per step."""
    log: list[tuple[str, int, float]] = []
    if not fresh and generated():
        return log
    user_id = _user_id()
    with transaction.atomic(), connection.cursor() as cursor:
        _run(cursor, "TRUNCATE " + ", ".join(TRUNCATE) + " CASCADE", label="truncate", log=log)
        cursor.execute("DELETE FROM probation_organisation WHERE kind = 'PRISON'")
        params = {"n": people, "user": user_id, "seed": SEED, "first": FIRST_YEAR_START}
        for label, sql in STEPS:
            _run(cursor, sql, params, label, log)
        _contracts(cursor, log, wav_sql)
    with connection.cursor() as cursor:
        _run(cursor, "VACUUM ANALYZE", label="vacuum analyze", log=log)
    return log


STEPS = [
    # No parallel workers: random() in a parallel worker ignores setseed (reproducible facts).
    ("seed", "SET LOCAL max_parallel_workers_per_gather = 0; SELECT setseed(%(seed)s)"),
    (
        "temp: LDUs and CRCs",
        """
        DROP TABLE IF EXISTS bench_ldu, bench_crc, bench_people, bench_sent;
        CREATE TEMP TABLE bench_ldu AS
            SELECT row_number() OVER (ORDER BY code)::int AS rn, id, crc_id
            FROM probation_organisation WHERE kind = 'LDU';
        CREATE TEMP TABLE bench_crc AS
            SELECT cpa_number::int AS cpa, id FROM probation_organisation WHERE kind = 'CRC';
        """,
    ),
    (
        "temp: people",
        """
        CREATE TEMP TABLE bench_people AS
        WITH g AS (
            SELECT i, 1 + floor(random() * (SELECT count(*) FROM bench_ldu))::int AS rn,
                   random() < 0.70 AS crc_case, random() AS r_pnc, random() AS r_gender,
                   random() AS r_dob, random() AS r_k, random() AS r_reoffends
            FROM generate_series(1, %(n)s) AS i
        )
        SELECT g.*, l.id AS ldu_id, l.crc_id AS home_crc_id,
               'XABCDEFGHJKLMNPRSTUVWYZ' AS letters
        FROM g JOIN bench_ldu AS l USING (rn)
        """,
    ),
    (
        "people",
        """
        INSERT INTO probation_person (
            crn, pnc_number, first_name, last_name, date_of_birth, gender, nationality,
            foreign_national, created_at, updated_at, ldu_id, responsible_provider_id,
            address_line_1, address_line_2, no_all_male_placements, no_fixed_abode, postcode,
            prefers_female_offender_manager, prefers_female_only_interviews, town)
        SELECT substr(letters, i / 1000000 + 1, 1) || lpad((i %% 1000000)::text, 6, '0'),
               CASE WHEN r_pnc < 0.97 THEN
                   (1990 + i %% 25)::text || '/' || lpad(i::text, 7, '0')
                   || substr('ZABCDEFGHJKLMNPQRTUVWXY',
                             ((((1990 + i %% 25) %% 100)::bigint * 10000000 + i) %% 23)::int
                             + 1, 1)
               END,
               'Bench', 'Person ' || i, date '1950-01-01' + floor(r_dob * 18000)::int,
               CASE WHEN r_gender < 0.15 THEN 'F' ELSE 'M' END, '', false, now(), now(),
               ldu_id,
               CASE WHEN crc_case THEN home_crc_id
                    ELSE (SELECT id FROM probation_organisation WHERE code = 'NPS') END,
               '', '', false, false, '', false, false, ''
        FROM bench_people ORDER BY i
        """,
    ),
    (
        "CRN sequence",
        """
        INSERT INTO probation_crnsequence (id, last_value) VALUES (1, %(n)s)
        ON CONFLICT (id) DO UPDATE SET last_value = GREATEST(
            probation_crnsequence.last_value, EXCLUDED.last_value)
        """,
    ),
    (
        "temp: people's ids",
        """
        ALTER TABLE bench_people ADD COLUMN person_id bigint, ADD COLUMN pnc text,
            ADD COLUMN date_of_birth date;
        UPDATE bench_people AS b SET person_id = p.id, pnc = p.pnc_number,
            date_of_birth = p.date_of_birth
        FROM probation_person AS p
        WHERE p.crn = substr(b.letters, b.i / 1000000 + 1, 1)
                      || lpad((b.i %% 1000000)::text, 6, '0');
        CREATE INDEX ON bench_people (person_id);
        ANALYZE bench_people;
        """,
    ),
    (
        "temp: sentences",
        """
        CREATE TEMP TABLE bench_sent AS
        WITH k AS (
            SELECT person_id, crc_case, home_crc_id, date_of_birth,
                   CASE WHEN r_k < 0.25 THEN 1 WHEN r_k < 0.55 THEN 2 WHEN r_k < 0.80 THEN 3
                        WHEN r_k < 0.92 THEN 4 ELSE 5 END AS k
            FROM bench_people
        ), s AS (
            SELECT k.person_id, k.crc_case, k.home_crc_id, j,
                   date '2014-02-01' + floor(random() * 2400)::int AS sentence_date,
                   random() AS r_type, random() AS r_a, random() AS r_b, random() AS r_c,
                   random() AS r_d, random() AS r_e, random() AS r_f
            FROM k, generate_series(1, k.k) AS j
        )
        SELECT s.*,
               row_number() OVER (PARTITION BY person_id ORDER BY sentence_date, j)::int
                   AS number,
               CASE WHEN r_type < 0.40 THEN 'COMMUNITY_ORDER'
                    WHEN r_type < 0.60 THEN 'SUSPENDED_SENTENCE_ORDER'
                    WHEN r_type < 0.97 THEN 'CUSTODIAL'
                    WHEN r_type < 0.98 THEN 'SENIOR_ATTENDANCE_CENTRE'
                    ELSE 'DEFERRED' END AS sentence_type
        FROM s;
        ALTER TABLE bench_sent ADD COLUMN management text, ADD COLUMN term_months int,
            ADD COLUMN term_days int, ADD COLUMN length_months int, ADD COLUMN expiry date,
            ADD COLUMN crd date, ADD COLUMN hdc date, ADD COLUMN release date,
            ADD COLUMN actual_release date, ADD COLUMN licence_start date,
            ADD COLUMN licence_end date, ADD COLUMN pss_start date, ADD COLUMN pss_end date,
            ADD COLUMN supervision_end date, ADD COLUMN pbr_provider_id bigint;
        UPDATE bench_sent SET management = CASE
            WHEN sentence_type = 'COMMUNITY_ORDER' AND r_a < 0.02 THEN 'EM_ONLY'
            WHEN sentence_type = 'SUSPENDED_SENTENCE_ORDER' AND r_a < 0.05
                THEN 'SSO_WITHOUT_REQUIREMENTS'
            WHEN sentence_type = 'CUSTODIAL' AND r_a < 0.04 THEN 'NOT_MANAGED_CUSTODY'
            WHEN sentence_type = 'SENIOR_ATTENDANCE_CENTRE' THEN 'ATTENDANCE_ONLY'
            ELSE 'MANAGED' END;
        UPDATE bench_sent SET
            length_months = CASE sentence_type
                WHEN 'COMMUNITY_ORDER' THEN (ARRAY[6, 12, 12, 18, 24, 36])[1 + floor(r_b * 6)]
                WHEN 'SUSPENDED_SENTENCE_ORDER' THEN (ARRAY[12, 18, 24])[1 + floor(r_b * 3)]
                END,
            term_months = CASE
                WHEN sentence_type = 'SUSPENDED_SENTENCE_ORDER'
                    THEN (ARRAY[3, 6, 9, 12, 18, 24])[1 + floor(r_c * 6)]
                WHEN sentence_type = 'CUSTODIAL' AND management = 'MANAGED'
                    THEN (ARRAY[3, 4, 6, 8, 10, 12, 16, 18, 24, 30, 36, 48, 60, 72])
                         [1 + floor(r_b * 14)]
                END,
            term_days = CASE WHEN management = 'NOT_MANAGED_CUSTODY' THEN 1 END;
        UPDATE bench_sent SET
            expiry = CASE WHEN term_days = 1 THEN sentence_date
                ELSE (sentence_date + make_interval(months => term_months))::date - 1 END
        WHERE sentence_type = 'CUSTODIAL';
        UPDATE bench_sent SET
            crd = sentence_date + ceil((expiry - sentence_date + 1) / 2.0)::int
        WHERE sentence_type = 'CUSTODIAL';
        UPDATE bench_sent SET hdc = crd - 45
        WHERE sentence_type = 'CUSTODIAL' AND management = 'MANAGED' AND r_d < 0.15
          AND crd - sentence_date > 90 AND term_months < 48;
        UPDATE bench_sent SET release = COALESCE(hdc, crd) WHERE sentence_type = 'CUSTODIAL';
        UPDATE bench_sent SET
            actual_release = CASE WHEN release > date '2020-03-31' THEN NULL
                                  WHEN r_e < 0.05 THEN release + 1 + floor(r_f * 5)::int
                                  ELSE release END
        WHERE sentence_type = 'CUSTODIAL';
        UPDATE bench_sent SET
            licence_start = CASE WHEN r_c >= 0.08 THEN release END,
            licence_end = CASE WHEN r_c >= 0.08 THEN expiry END,
            pss_start = CASE WHEN r_c < 0.08 THEN release
                             WHEN term_months < 24
                                  AND (crd + interval '12 months')::date - 1 > expiry
                                 THEN expiry + 1 END,
            pss_end = CASE WHEN r_c < 0.08 THEN (release + interval '12 months')::date - 1
                           WHEN term_months < 24
                                AND (crd + interval '12 months')::date - 1 > expiry
                               THEN (crd + interval '12 months')::date - 1 END
        WHERE sentence_type = 'CUSTODIAL' AND management = 'MANAGED';
        UPDATE bench_sent SET supervision_end = CASE
            WHEN sentence_type = 'CUSTODIAL' THEN COALESCE(pss_end, licence_end)
            WHEN length_months IS NOT NULL
                THEN (sentence_date + make_interval(months => length_months))::date - 1
            WHEN sentence_type = 'SENIOR_ATTENDANCE_CENTRE' THEN sentence_date + 180
            WHEN sentence_type = 'DEFERRED' THEN (sentence_date + interval '6 months')::date
            END;
        UPDATE bench_sent AS s SET pbr_provider_id = CASE
            WHEN r_d > 0.97 THEN (SELECT c.id FROM bench_crc AS c
                                  WHERE c.cpa = (h.cpa + 6) %% 21 + 1)
            ELSE s.home_crc_id END
        FROM bench_crc AS h
        WHERE h.id = s.home_crc_id AND s.crc_case
          AND s.management IN ('MANAGED', 'ATTENDANCE_ONLY');
        """,
    ),
    (
        "sentences",
        """
        INSERT INTO probation_sentence (
            number, sentence_type, sentence_date, offence_date, offence_description, court,
            fine_imposed, indeterminate, term_months, term_days, length_months, length_days,
            sentence_expiry_date, conditional_release_date, crd_estimated, hdc_release_date,
            actual_release_date, release_prison, licence_start_date, licence_end_date,
            pss_start_date, pss_end_date, supervision_end_date, supervision_rule,
            attendance_centre_hours, deferred_until, deferment_requirements, management,
            management_reason, status, created_at, updated_at, court_ldu_id, pbr_provider_id,
            person_id)
        SELECT number, sentence_type, sentence_date,
               sentence_date - 20 - floor(r_f * 200)::int, 'Bench offence', 'Bench court',
               false, false, term_months, term_days, length_months, NULL,
               expiry, crd, false, hdc,
               actual_release, CASE WHEN actual_release IS NOT NULL THEN 'HMP Bench' ELSE '' END,
               licence_start, licence_end, pss_start, pss_end, supervision_end, 'BENCH',
               CASE WHEN sentence_type = 'SENIOR_ATTENDANCE_CENTRE'
                    THEN 12 + floor(r_b * 25)::int END,
               CASE WHEN sentence_type = 'DEFERRED'
                    THEN (sentence_date + interval '6 months')::date END,
               '', management, 'Bench',
               CASE WHEN supervision_end < date '2020-02-01' THEN 'TERMINATED' ELSE 'ACTIVE' END,
               now(), now(), NULL, pbr_provider_id, person_id
        FROM bench_sent ORDER BY person_id, number;
        ALTER TABLE bench_sent ADD COLUMN sentence_id bigint;
        UPDATE bench_sent AS b SET sentence_id = s.id FROM probation_sentence AS s
        WHERE s.person_id = b.person_id AND s.number = b.number;
        ANALYZE bench_sent;
        """,
    ),
    (
        "requirements",
        """
        INSERT INTO probation_requirement (code, unpaid_work_hours, curfew_hours_per_day,
            curfew_days, rar_max_days, length_months, details, status, sentence_id)
        SELECT 'UNPAID_WORK',
               CASE WHEN r_e < 0.33 THEN (ARRAY[100, 101, 200, 201, 40, 300])
                                         [1 + floor(r_f * 6)]
                    ELSE 40 + floor(r_f * 261)::int END,
               NULL::int, NULL::int, NULL::int, NULL::int, '',
               CASE WHEN supervision_end < date '2020-02-01' THEN 'COMPLETED' ELSE 'ACTIVE' END,
               sentence_id
        FROM bench_sent
        WHERE sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
          AND management = 'MANAGED' AND r_c < 0.45
        UNION ALL
        SELECT 'REHABILITATION_ACTIVITY', NULL, NULL, NULL, 10 + floor(r_e * 30)::int, NULL,
               '', 'ACTIVE', sentence_id
        FROM bench_sent
        WHERE sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')
          AND management = 'MANAGED' AND (r_c >= 0.45 OR r_d < 0.3)
        UNION ALL
        SELECT 'CURFEW_EM', NULL, 10, 90, NULL, NULL, '', 'ACTIVE', sentence_id
        FROM bench_sent WHERE management = 'EM_ONLY'
        """,
    ),
    (
        "prisons",
        """
        INSERT INTO probation_organisation (code, name, kind, cpa_number, active, crc_id,
            division_id, parent_id)
        SELECT 'PRISON-QB' || chr(64 + cpa), 'HMP Bench ' || cpa, 'PRISON', NULL, true,
               NULL, NULL, NULL
        FROM bench_crc;
        INSERT INTO resettlement_prison (code, name, kind, contracted, active, ldu_id,
            organisation_id)
        SELECT 'QB' || chr(64 + c.cpa), 'HMP Bench ' || c.cpa, 'MALE_LOCAL', false, true,
               (SELECT min(l.id) FROM bench_ldu AS l WHERE l.crc_id = c.id), o.id
        FROM bench_crc AS c
        JOIN probation_organisation AS o ON o.code = 'PRISON-QB' || chr(64 + c.cpa)
        """,
    ),
    (
        "custody episodes",
        """
        INSERT INTO resettlement_custodyepisode (status, received_on, expected_release_on,
            reasons, released_on, release_type, recorded_at, accommodation_employment_by_id,
            allocated_to_id, home_crc_id, person_id, plan_writer_id, pre_release_lead_id,
            recorded_by_id, sentence_id, share_with_id, prison_id, reception_prison_id,
            release_prison_id)
        SELECT 'SENTENCED', s.sentence_date, s.release, '[]'::jsonb, s.actual_release,
               CASE WHEN s.actual_release IS NULL THEN ''
                    WHEN s.hdc IS NOT NULL THEN 'HDC' ELSE 'CONDITIONAL_RELEASE' END,
               now(), NULL,
               COALESCE(s.pbr_provider_id, (SELECT id FROM probation_organisation
                                            WHERE code = 'NPS')),
               s.home_crc_id, s.person_id, s.home_crc_id, NULL, %(user)s, s.sentence_id, NULL,
               p.id, p.id, CASE WHEN s.actual_release IS NOT NULL THEN p.id END
        FROM bench_sent AS s
        JOIN bench_crc AS c ON c.id = s.home_crc_id
        JOIN resettlement_prison AS p ON p.code = 'QB' || chr(64 + c.cpa)
        WHERE s.sentence_type = 'CUSTODIAL' AND s.management = 'MANAGED'
          AND (
              (s.actual_release IS NOT NULL AND s.r_e < 0.85)
              OR s.sentence_id IN (
                  SELECT DISTINCT ON (person_id) sentence_id FROM bench_sent
                  WHERE sentence_type = 'CUSTODIAL' AND management = 'MANAGED'
                    AND actual_release IS NULL
                  ORDER BY person_id, sentence_date DESC, number DESC))
        """,
    ),
    (
        "resettlement plans",
        """
        INSERT INTO resettlement_resettlementplan (state, step_started_at, due_by, opened_at,
            closed_at, screening_access_by, plan_due_by, summary, completed_at,
            completed_late, share_due_by, shared_at, shared_late, completed_by_id,
            episode_id, person_id, shared_by_id, shared_with_id, waiting_on_id, writer_id)
        SELECT CASE WHEN completed IS NOT NULL THEN 'SHARED' ELSE 'CLOSED' END,
               COALESCE(completed, opened), NULL, opened, COALESCE(completed, opened),
               received_on + 1, received_on + 7, '', completed,
               CASE WHEN completed IS NOT NULL THEN false END, NULL,
               completed, CASE WHEN completed IS NOT NULL THEN false END, NULL,
               id, person_id, NULL, NULL, NULL,
               CASE WHEN completed IS NOT NULL THEN home_crc_id END
        FROM (
            SELECT e.id, e.person_id, e.received_on, e.home_crc_id,
                   (e.received_on + time '09:00') AT TIME ZONE 'Europe/London' AS opened,
                   CASE WHEN random() < 0.85 THEN
                       (e.received_on + 2 + floor(random() * 8)::int + time '11:00')
                           AT TIME ZONE 'Europe/London' END AS completed
            FROM resettlement_custodyepisode AS e
        ) AS e
        """,
    ),
    (
        "reoffending import",
        """
        INSERT INTO contracts_reoffendingimport (filename, sha256, imported_at, rows, added,
            already_held, unmatched, imported_by_id)
        VALUES ('bench-national-proven-reoffending.csv', repeat('0', 64), now(), 0, 0, 0,
                '[]'::jsonb, %(user)s)
        """,
    ),
    (
        "proven reoffences",
        """
        WITH anchor AS (
            SELECT DISTINCT ON (s.person_id) s.person_id, b.pnc,
                   COALESCE(s.actual_release, s.sentence_date) AS sentence_date,
                   1 + floor(random() ^ 2 * 6)::int AS m
            FROM bench_sent AS s JOIN bench_people AS b USING (person_id)
            WHERE b.pnc IS NOT NULL AND b.r_reoffends < 1 / 3.0
            ORDER BY s.person_id, s.r_f
        ), offences AS (
            SELECT a.pnc, a.sentence_date - 45 + floor(random() ^ 1.5 * 700)::int AS offence_date,
                   5 + floor(random() ^ 2 * 600)::int AS proven_after,
                   'OC' || lpad(floor(random() * 90)::int::text, 3, '0') AS code
            FROM anchor AS a,
                 generate_series(1, a.m) AS j
        ), nobody AS (
            SELECT '1989/' || lpad((9000000 + i)::text, 7, '0')
                   || substr('ZABCDEFGHJKLMNPQRTUVWXY',
                             ((89::bigint * 10000000 + 9000000 + i) %% 23)::int + 1, 1) AS pnc,
                   date '2015-01-01' + floor(random() * 1800)::int AS offence_date,
                   5 + floor(random() * 300)::int AS proven_after, 'OC001' AS code
            FROM generate_series(1, 2000) AS i
        )
        INSERT INTO contracts_provenreoffence (pnc_number, offence_date, disposal_date,
            offence_code, source_id)
        SELECT pnc, offence_date, offence_date + proven_after, code,
               (SELECT max(id) FROM contracts_reoffendingimport)
        FROM (SELECT * FROM offences UNION ALL SELECT * FROM nobody) AS o
        ON CONFLICT DO NOTHING;
        UPDATE contracts_reoffendingimport SET
            rows = (SELECT count(*) FROM contracts_provenreoffence),
            added = (SELECT count(*) FROM contracts_provenreoffence),
            unmatched = (SELECT to_jsonb(array_agg(DISTINCT r.pnc_number)) FROM (
                SELECT pnc_number FROM contracts_provenreoffence
                WHERE pnc_number LIKE '1989/9%%' LIMIT 50) AS r);
        """,
    ),
]


def _contracts(cursor, log, wav_sql):
    """Contracts of the 21 CRCs for the 5 years, predicted WAV from the facts (module
    docstring), with rate cards and January 2020's deliveries."""
    import json

    started = time.perf_counter()
    factors = "ARRAY[" + ", ".join(FACTORS) + "]::numeric[]"
    cursor.execute(
        """
        INSERT INTO contracts_contract (year, start_date, end_date, maximum_annual_payment,
            ffs_bid, predicted_wav, tolerance, wav_weights, upw_bands, binary_baseline_q1,
            binary_baseline_q2, binary_baseline_q3, binary_baseline_q4,
            annual_binary_baseline, frequency_baseline, price_per_reoffender,
            price_per_reoffence, significance_level, monthly_credit_cap, updated_at, crc_id)
        SELECT y, (%(first)s::date + make_interval(months => 12 * (y - 1)))::date,
               (%(first)s::date + make_interval(months => 12 * y))::date - 1,
               1, 0, 1, 0.05, %(weights)s::jsonb, %(bands)s::jsonb,
               0.110 + 0.002 * (c.cpa_number %% 21), 0.110 + 0.002 * ((c.cpa_number + 1) %% 21),
               0.110 + 0.002 * ((c.cpa_number + 2) %% 21),
               0.110 + 0.002 * ((c.cpa_number + 3) %% 21),
               0.100 + 0.002 * (c.cpa_number %% 17), 1.40 + 0.02 * (c.cpa_number %% 21),
               1000.00, 500.00, 0.05, 0.10, now(), c.id
        FROM probation_organisation AS c, generate_series(1, %(years)s) AS y
        WHERE c.kind = 'CRC'
        """,
        {
            "first": FIRST_YEAR_START,
            "weights": json.dumps(WEIGHTS),
            "bands": json.dumps(BANDS),
            "years": YEARS,
        },
    )
    for year in range(1, YEARS + 1):
        cursor.execute(
            f"""
            WITH wav AS ({wav_sql})
            UPDATE contracts_contract AS k SET
                predicted_wav = round(wav.wav * ({factors})[o.cpa_number %% 7 + 1], 2),
                ffs_bid = round(wav.wav * ({factors})[o.cpa_number %% 7 + 1], 2) * 1500 + 0.07,
                maximum_annual_payment = round(
                    (round(wav.wav * ({factors})[o.cpa_number %% 7 + 1], 2) * 1500 + 0.07)
                    * 1.1, 2)
            FROM wav, probation_organisation AS o
            WHERE wav.contract_id = k.id AND o.id = k.crc_id
            """,  # noqa: S608 - constants
            {"year": year},
        )
    cursor.execute(
        """
        INSERT INTO contracts_ratecarditem (service, name, unit, price, attendance_centre,
            contract_id)
        SELECT 'programme', 'Accredited programme place', 'session', 150.00, false, id
        FROM contracts_contract
        UNION ALL
        SELECT 'attendance-centre', 'Senior Attendance Centre hour', 'hour', 18.50, true, id
        FROM contracts_contract;
        INSERT INTO contracts_ratecardorder (purchaser_kind, purchaser_name, reference,
            ordered_on, quantity, created_at, item_id, ordered_by_id, person_id, purchaser_id)
        SELECT 'NPS', '', 'BENCH-' || i.id || '-' || n, date '2020-01-02', 1 + n %% 3, now(),
               i.id, u.id, NULL, (SELECT id FROM probation_organisation WHERE code = 'NPS')
        FROM contracts_ratecarditem AS i
        JOIN contracts_contract AS k ON k.id = i.contract_id AND k.year = 5
        CROSS JOIN generate_series(1, 40) AS n
        CROSS JOIN (SELECT id FROM probation_user WHERE username = %(user)s) AS u
        WHERE i.service = 'programme';
        INSERT INTO contracts_delivery (delivered_on, quantity, recorded_at, recorded_by_id,
            order_id)
        SELECT date '2020-01-06' + (o.id %% 20)::int, o.quantity, now(), o.ordered_by_id, o.id
        FROM contracts_ratecardorder AS o;
        """,
        {"user": USERNAME},
    )
    log.append(("contracts, rate cards, deliveries", 21 * YEARS, time.perf_counter() - started))
