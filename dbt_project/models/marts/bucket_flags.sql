{#- The raised flags of bucket_quality, one row each: (timestamp, turbine, tag, flag), which
    joins to `signal` on (turbine, tag) and through it to `data` on (timestamp, signal_id).
    A view: it holds no data of its own, so it is never out of step with bucket_quality. -#}
{{ config(materialized='in_place_view') }}

select
    quality."timestamp",
    quality.turbine,
    quality.tag,
    raised.flag::text as flag

from {{ ref('bucket_quality') }} as quality
cross join
    lateral (
        values
        ('range', quality.range_flag),
        ('frozen', quality.frozen_flag),
        ('low_coverage', quality.low_coverage_flag),
        ('power_curve', quality.power_curve_flag),
        ('down', quality.down_flag)
    ) as raised (flag, is_raised)
where raised.is_raised
