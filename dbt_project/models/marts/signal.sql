{#- The signal registry: one row per (turbine, tag, statistic), registered the first time
    the run's staged days hold that turbine's tag, with the next free id. Ids are never
    renumbered or reused: rows are only appended (materializations/locked_append.sql), under
    an exclusive lock, so two builds cannot register one signal twice (and the unique
    constraint on (turbine, tag, statistic) would refuse it). The single-turbine Alvo's
    twelve signals keep ids 1-12 in every Alvo (the view single_turbine_signals). Names:
    `<tag>_<statistic>` for the default turbine, `<turbine>.<tag>_<statistic>` for the others
    (docs/contracts.md). -#}
{{ config(
    materialized='locked_append',
    pre_hook=[
        "{{ take_build_locks(build_lock_keys().signal, exclusive=true, what='the signal catalog') }}",
        "{{ upgrade_single_turbine_signal(ref('single_turbine_signals'), ref('stg_fonte__turbines')) }}",
        "{{ check_tag_kinds(ref('stg_fonte__data'), ref('stg_fonte__tags'), ref('kind_statistics')) }}",
    ],
) }}

with

samples as (

    select * from {{ ref('stg_fonte__data') }}
    where {{ in_day_window('"timestamp"') }} and {{ in_run_turbines('turbine') }}

),

tags as (

    select * from {{ ref('stg_fonte__tags') }}

),

turbines as (

    select * from {{ ref('stg_fonte__turbines') }}

),

kind_statistics as (

    select * from {{ ref('kind_statistics') }}

),

single_turbine_signals as (

    select * from {{ ref('single_turbine_signals') }}

),

registered as (

    select * from {{ this }}

),

default_turbine as (

    select turbine from turbines
    where is_default

),

-- The single-turbine signals, with their fixed ids, whether or not their data is staged.
reserved as (

    select
        single_turbine_signals.id,
        default_turbine.turbine,
        single_turbine_signals.tag,
        single_turbine_signals.statistic

    from single_turbine_signals
    cross join default_turbine

),

staged_tags as (

    select distinct
        turbine,
        tag

    from samples

),

-- Every statistic of every staged (turbine, tag), by the tag's kind.
staged_signals as (

    select
        staged_tags.turbine,
        staged_tags.tag,
        kind_statistics.statistic,
        tags.position as tag_position,
        kind_statistics.position as statistic_position

    from staged_tags
    inner join tags on staged_tags.tag = tags.tag
    inner join kind_statistics on tags.kind = kind_statistics.kind

),

new_reserved as (

    select * from reserved
    where not exists (
        select from registered
        where registered.id = reserved.id
    )

),

new_staged as (

    select * from staged_signals
    where
        not exists (
            select from registered
            where
                registered.turbine = staged_signals.turbine
                and registered.tag = staged_signals.tag
                and registered.statistic = staged_signals.statistic
        )
        and not exists (
            select from reserved
            where
                reserved.turbine = staged_signals.turbine
                and reserved.tag = staged_signals.tag
                and reserved.statistic = staged_signals.statistic
        )

),

-- The highest id ever given, registered or reserved.
last_id as (

    select
        greatest(
            (select coalesce(max(registered.id), 0) from registered),
            (select max(single_turbine_signals.id) from single_turbine_signals)
        ) as id

),

-- Ids after it, in a stable order.
numbered as (

    select
        new_staged.turbine,
        new_staged.tag,
        new_staged.statistic,
        last_id.id + row_number() over (
            order by new_staged.turbine, new_staged.tag_position, new_staged.tag, new_staged.statistic_position
        ) as id

    from new_staged
    cross join last_id

),

new_signals as (

    select
        id,
        turbine,
        tag,
        statistic
    from new_reserved
    union all
    select
        id,
        turbine,
        tag,
        statistic
    from numbered

),

final as (

    select
        new_signals.id::integer as id,
        new_signals.turbine::text as turbine,
        new_signals.tag::text as tag,
        new_signals.statistic::text as statistic,
        (
            case
                when new_signals.turbine = default_turbine.turbine
                    then new_signals.tag || '_' || new_signals.statistic
                else new_signals.turbine || '.' || new_signals.tag || '_' || new_signals.statistic
            end
        )::text as name

    from new_signals
    left join default_turbine on true

)

select * from final
