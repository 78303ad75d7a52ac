{#- Per bucket and variable, min <= mean <= max. A float average of equal values can land
    one ulp beyond them, hence the 1e-12 relative slack. `catalog` is the signal catalog
    seed, which names each signal id's variable and stat. -#}
{% test stats_are_ordered(model, catalog) %}

with

data as (

    select * from {{ model }}

),

catalog as (

    select * from {{ catalog }}

),

pivoted as (

    select
        data."timestamp",
        catalog.variable,
        max(data.value) filter (where catalog.stat = 'mean') as mean,
        max(data.value) filter (where catalog.stat = 'min') as min,
        max(data.value) filter (where catalog.stat = 'max') as max

    from data
    inner join catalog on data.signal_id = catalog.id
    group by data."timestamp", catalog.variable

),

final as (

    select * from pivoted
    where
        min > mean + 1e-12 * abs(mean)
        or mean > max + 1e-12 * abs(max)
        or min > max

)

select * from final

{% endtest %}
