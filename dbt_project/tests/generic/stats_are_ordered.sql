{#- Per bucket and variable, min <= mean <= max. A float average of equal values can land
    one ulp beyond them, hence the 1e-12 relative slack. -#}
{% test stats_are_ordered(model, signal_model) %}

with

data as (

    select * from {{ model }}

),

-- materialized: the regexes run on the 12 signals, not once per data row.
signals as materialized (

    select
        id,
        {{ signal_variable('name') }} as variable,
        {{ signal_stat('name') }} as stat

    from {{ signal_model }}

),

pivoted as (

    select
        data."timestamp",
        signals.variable,
        max(data.value) filter (where signals.stat = 'mean') as mean,
        max(data.value) filter (where signals.stat = 'min') as min,
        max(data.value) filter (where signals.stat = 'max') as max

    from data
    inner join signals on signals.id = data.signal_id
    group by data."timestamp", signals.variable

)

select * from pivoted
where min > mean + 1e-12 * abs(mean)
   or mean > max + 1e-12 * abs(max)
   or min > max

{% endtest %}
