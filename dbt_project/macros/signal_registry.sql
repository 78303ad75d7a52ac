{#- Pre-hooks of `signal`, the registry of (turbine, tag, statistic) signals. -#}

{#- A staged tag of the run's days that Fonte's catalog does not describe, or describes with a
    kind the project has no statistics for (the view kind_statistics), stops the build here, with
    the tag's name, before anything is registered or computed: its statistics would
    otherwise silently be missing. -#}
{% macro check_tag_kinds(samples_relation, tags_relation, kinds_relation) -%}
    do $windpipe_kinds$
    declare
        unknown record;
    begin
        select staged.tag, tags.kind into unknown
        from (
            select distinct tag from {{ samples_relation }} where {{ in_day_window('"timestamp"') }}
        ) as staged
        left join {{ tags_relation }} as tags on staged.tag = tags.tag
        where tags.kind is null or tags.kind not in (select kind from {{ kinds_relation }})
        order by staged.tag
        limit 1;
        if found then
            raise exception 'tag % has %; the models compute statistics for the kinds: %',
                quote_literal(unknown.tag),
                coalesce('the unknown kind ' || quote_literal(unknown.kind), 'no kind in Fonte''s catalog (raw.fonte_variables)'),
                (select string_agg(distinct kind, ', ' order by kind) from {{ kinds_relation }});
        end if;
    end
    $windpipe_kinds$
{%- endmacro %}

{#- An Alvo built before the fleet has `signal(id, name)`: its rows are the default turbine's
    single-turbine signals (the view single_turbine_signals). They get their turbine, tag and
    statistic, and the table the contract's constraints; ids and names stay. -#}
{% macro upgrade_single_turbine_signal(single_turbine_signals, turbines_relation) -%}
    do $windpipe_upgrade$
    begin
        if not exists (
            select from information_schema.columns
            where table_schema = '{{ this.schema }}' and table_name = '{{ this.identifier }}' and column_name = 'turbine'
        ) then
            alter table {{ this }} add column turbine text, add column tag text, add column statistic text;
            update {{ this }} as signal
            set turbine = (select turbine from {{ turbines_relation }} where is_default),
                tag = single.tag,
                statistic = single.statistic
            from {{ single_turbine_signals }} as single
            where signal.id = single.id;
            alter table {{ this }}
                alter column turbine set not null,
                alter column tag set not null,
                alter column statistic set not null,
                add constraint signal_turbine_tag_statistic_key unique (turbine, tag, statistic);
        end if;
    end
    $windpipe_upgrade$
{%- endmacro %}
