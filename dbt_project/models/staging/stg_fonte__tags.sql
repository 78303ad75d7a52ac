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
        iec_name::text as iec_name

    from source

)

select * from final
