with

source as (

    select * from {{ source('fonte', 'fonte_variables') }}

),

final as (

    select
        name::text as tag,
        position::integer as position,
        unit::text as unit,
        kind::text as kind,
        range_min::float8 as range_min,
        range_max::float8 as range_max,
        iec_name::text as iec_name,
        -- Both NULL in a catalog staged before they existed: the interval stays unknown (no
        -- coverage until the next extraction stages it), and every tag but a state varies.
        interval_seconds::float8 as interval_seconds,
        coalesce(varies, kind <> 'state')::boolean as varies

    from source

)

select * from final
