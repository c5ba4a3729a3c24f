"""Through the Gate resettlement: resettlement prisons, custody screening and plans (DOMAIN.md
7).

Data and database constraints only; the part of the roadmap that builds this app adds them.
"""
