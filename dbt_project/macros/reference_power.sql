{#- The power (kW) a turbine's reference curve gives at a wind speed (m/s), from its staged
    parameters (stg_fonte__turbines): zero below cut-in and from cut-out, cubic from cut-in
    to rated speed, rated power above; the curve the generator and /turbines use.
    `turbine` is the alias of a relation with the stg_fonte__turbines columns. -#}
{% macro reference_power(wind_speed, turbine) -%}
    case
        when {{ wind_speed }} < {{ turbine }}.cut_in_speed_ms or {{ wind_speed }} >= {{ turbine }}.cut_out_speed_ms
            then 0::float8
        when {{ wind_speed }} >= {{ turbine }}.rated_speed_ms then {{ turbine }}.rated_power_kw
        else {{ turbine }}.rated_power_kw
            * (power({{ wind_speed }}, 3) - power({{ turbine }}.cut_in_speed_ms, 3))
            / (power({{ turbine }}.rated_speed_ms, 3) - power({{ turbine }}.cut_in_speed_ms, 3))
    end
{%- endmacro %}
