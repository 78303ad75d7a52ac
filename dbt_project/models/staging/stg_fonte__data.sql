with

source as (

    select * from {{ source('fonte', 'fonte_data') }}

),

renamed as (

    select
        turbine::text as turbine,
        "timestamp"::timestamptz as "timestamp",
        variable::text as tag,
        value::float8 as value,
        _loaded_at as loaded_at

    from source

),

-- A sample without a finite value cannot enter a mean or a std: it is dropped here, so a
-- bucket's statistics are over its finite samples only (documented in _staging__models.yml).
final as (

    select * from renamed
    where
        value is not null
        and value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)

)

select * from final
