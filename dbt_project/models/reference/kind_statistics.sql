{#- Which statistics describe a tag of each kind: a view of fixed rows (not a seed: a seed is
    a table that concurrent first builds would both create, and that every build reloads). -#}
select
    rules.kind::text as kind,
    rules.statistic::text as statistic,
    rules.position::integer as position

from (
    values
    ('linear', 'mean', 1),
    ('linear', 'min', 2),
    ('linear', 'max', 3),
    ('linear', 'std', 4),
    ('angle', 'mean', 1),
    ('angle', 'std', 2),
    ('state', 'mode', 1)
) as rules (kind, statistic, position)
