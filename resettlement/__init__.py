"""Through the Gate resettlement: resettlement prisons, custody screening and plans (DOMAIN.md
7).
"""
