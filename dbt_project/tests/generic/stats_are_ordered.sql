{#- Per bucket, turbine and tag, min <= mean <= max (linear tags: the only ones with a min
    and a max). A float average of equal values can land one ulp beyond them, hence the
    1e-12 relative slack. `signals` is the signal registry, which names each signal id's
    turbine, tag and statistic. -#}
{% test stats_are_ordered(model, signals) %}

with

data as (

    select * from {{ model }}

),

signals as (

    select * from {{ signals }}

),

pivoted as (

    select
        data."timestamp",
        signals.turbine,
        signals.tag,
        max(data.value) filter (where signals.statistic = 'mean') as mean,
        max(data.value) filter (where signals.statistic = 'min') as min,
        max(data.value) filter (where signals.statistic = 'max') as max

    from data
    inner join signals on data.signal_id = signals.id
    group by data."timestamp", signals.turbine, signals.tag

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
