{#- Per bucket and variable, min <= mean <= max. A float average of equal values can land
    one ulp beyond them, hence the 1e-12 relative slack. -#}
{% test stats_are_ordered(model, signal_model) %}

with

named as (

    select
        data."timestamp",
        regexp_replace(signals.name, '_(mean|min|max|std)$', '') as variable,
        substring(signals.name from '_(mean|min|max|std)$') as stat,
        data.value

    from {{ model }} as data
    inner join {{ signal_model }} as signals on signals.id = data.signal_id

),

pivoted as (

    select
        "timestamp",
        variable,
        max(value) filter (where stat = 'mean') as mean,
        max(value) filter (where stat = 'min') as min,
        max(value) filter (where stat = 'max') as max

    from named
    group by "timestamp", variable

)

select * from pivoted
where min > mean + 1e-12 * abs(mean)
   or mean > max + 1e-12 * abs(max)
   or min > max

{% endtest %}
