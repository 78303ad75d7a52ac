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
        rated_power_kw::float8 as rated_power_kw

    from source

)

select * from final
