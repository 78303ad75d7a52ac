{#- The single-turbine Alvo's signals and their ids, reserved in every Alvo (a view of fixed
    rows, for the reason given in kind_statistics.sql). This list never grows. -#}
select
    reserved.id::integer as id,
    reserved.tag::text as tag,
    reserved.statistic::text as statistic

from (
    values
    (1, 'wind_speed', 'mean'),
    (2, 'wind_speed', 'min'),
    (3, 'wind_speed', 'max'),
    (4, 'wind_speed', 'std'),
    (5, 'power', 'mean'),
    (6, 'power', 'min'),
    (7, 'power', 'max'),
    (8, 'power', 'std'),
    (9, 'ambient_temperature', 'mean'),
    (10, 'ambient_temperature', 'min'),
    (11, 'ambient_temperature', 'max'),
    (12, 'ambient_temperature', 'std')
) as reserved (id, tag, statistic)
