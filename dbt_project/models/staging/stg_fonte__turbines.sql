with

source as (

    select * from {{ source('fonte', 'fonte_turbines') }}

),

final as (

    select
        id::text as turbine,
        name::text as name,
        plant::text as plant,
        is_default::boolean as is_default,
        rated_power_kw::float8 as rated_power_kw,
        cut_in_speed_ms::float8 as cut_in_speed_ms,
        rated_speed_ms::float8 as rated_speed_ms,
        cut_out_speed_ms::float8 as cut_out_speed_ms

    from source

)

select * from final
