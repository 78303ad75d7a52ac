{#- The operating-state codes of Fonte's state tag `WTUR_TurSt` (`operating_state`), and for
    each whether the turbine counts as available (IEC 61400-26's time-based availability:
    waiting for wind and a storm stop are out of the environmental specification, which is
    available time; a fault is a forced outage) and whether it is producing (the power-curve
    check judges those buckets only). fonte_api/catalog.py's OPERATING_STATES holds the same
    rows; tests/fast/test_constants.py keeps the two equal. -#}
select
    states.code::float8 as code,
    states.label::text as label,
    states.available::boolean as available,
    states.producing::boolean as producing

from (
    values
    (1, 'producing', true, true),
    (2, 'waiting for wind', true, false),
    (3, 'stopped for high wind', true, false),
    (4, 'stopped by a fault', false, false)
) as states (code, label, available, producing)
