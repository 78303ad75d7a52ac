{#- Incremental and never fully refreshed: `data` holds a foreign key to it, and a
    rebuilt table would be dropped with CASCADE, taking that key with it. New catalog
    rows are appended; existing ids never change. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with

catalog as (

    select * from {{ ref('signal_catalog') }}

),

final as (

    select
        id::integer as id,
        (variable || '_' || stat)::text as name

    from catalog
    {% if is_incremental() %}
    where id not in (select id from {{ this }})
    {% endif %}

)

select * from final
